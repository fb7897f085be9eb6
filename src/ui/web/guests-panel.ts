import type { GuestInfo, PageMessage } from '../protocol.js';
import { h, replaceChildren } from './dom.js';

const ROLE_CHOICES = ['read-only', 'edit', 'full'] as const;

/** Options for {@link GuestsPanel}. */
export interface GuestsPanelOptions {
  root: HTMLElement;
  send: (message: PageMessage) => boolean;
}

/** Host only: the admitted guests, each with a role select and a Remove button. */
export class GuestsPanel {
  readonly #options: GuestsPanelOptions;

  constructor(options: GuestsPanelOptions) {
    this.#options = options;
  }

  render(guests: GuestInfo[]): void {
    const root = this.#options.root;
    // Keep focus on the same control across a re-render (a role change re-sends the list).
    const focused = document.activeElement as HTMLElement | null;
    const focusedGuest = root.contains(focused)
      ? focused?.closest<HTMLElement>('[data-guest-id]')?.dataset['guestId']
      : undefined;
    const focusedTestid = focused?.dataset['testid'];
    if (guests.length === 0) {
      replaceChildren(
        root,
        h('p', { class: 'muted list-empty' }, 'No guests yet. Share the join link.'),
      );
      return;
    }
    replaceChildren(root, ...guests.map((guest) => this.#row(guest)));
    if (focusedGuest !== undefined) {
      root
        .querySelector<HTMLElement>(
          `[data-guest-id="${CSS.escape(focusedGuest)}"] [data-testid="${CSS.escape(focusedTestid ?? '')}"]`,
        )
        ?.focus();
    }
  }

  #row(guest: GuestInfo): HTMLElement {
    const select = h(
      'select',
      {
        class: 'select',
        'data-testid': 'guest-role',
        'aria-label': `Role of ${guest.name}`,
        on: {
          change: () => {
            const role = select.value as GuestInfo['role'];
            this.#options.send({ t: 'set-role', id: guest.id, role });
          },
        },
      },
      ...ROLE_CHOICES.map((role) =>
        h('option', { value: role, selected: role === guest.role }, role),
      ),
    );
    return h(
      'li',
      { class: 'guest', 'data-testid': 'guest', 'data-guest-id': guest.id },
      h(
        'div',
        { class: 'guest-main' },
        h('span', { class: 'guest-name' }, guest.name),
        h('span', { class: 'muted small' }, guest.via === 'relay' ? 'via relay' : 'direct'),
      ),
      select,
      h(
        'button',
        {
          type: 'button',
          class: 'button small danger-outline',
          'data-testid': 'guest-remove',
          title: `Remove ${guest.name} from the session`,
          on: { click: () => this.#options.send({ t: 'remove', id: guest.id }) },
        },
        'Remove',
      ),
    );
  }
}
