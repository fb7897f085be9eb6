import type { ParticipantInfo } from '../protocol.js';
import { safeColor } from './colors.js';
import { baseName, h, replaceChildren } from './dom.js';
import { roleLabel } from './permissions.js';

/** Options for {@link ParticipantsPanel}. */
export interface ParticipantsPanelOptions {
  root: HTMLElement;
  /** The person pressed Follow (a client id) or pressed it again to stop (null). */
  onFollow: (clientId: number | null) => void;
  /** The person clicked the file someone is in. */
  onOpenFile: (path: string) => void;
}

/** Everyone in the session: name, role, the file each is in, and a Follow toggle. */
export class ParticipantsPanel {
  readonly #options: ParticipantsPanelOptions;
  #ownFile: string | null = null;

  constructor(options: ParticipantsPanelOptions) {
    this.#options = options;
  }

  /**
   * @param ownFile the file in this page's active tab, shown for our own entry.
   */
  render(participants: ParticipantInfo[], following: number | null, ownFile: string | null): void {
    this.#ownFile = ownFile;
    const names = new Map(participants.map((p) => [p.clientId, p.name]));
    const sorted = [...participants].sort(
      (a, b) =>
        Number(b.self) - Number(a.self) || Number(b.role === 'host') - Number(a.role === 'host'),
    );
    const root = this.#options.root;
    // Presence arrives with every cursor move; keep keyboard focus on the same control.
    const focused = document.activeElement as HTMLElement | null;
    const focusedId = root.contains(focused)
      ? focused?.closest<HTMLElement>('[data-client-id]')?.dataset['clientId']
      : undefined;
    const focusedTestid = focused?.dataset['testid'] ?? '';
    replaceChildren(root, ...sorted.map((participant) => this.#row(participant, following, names)));
    if (focusedId !== undefined) {
      root
        .querySelector<HTMLElement>(
          `[data-client-id="${CSS.escape(focusedId)}"] [data-testid="${CSS.escape(focusedTestid)}"]`,
        )
        ?.focus();
    }
  }

  #row(
    participant: ParticipantInfo,
    following: number | null,
    names: Map<number, string>,
  ): HTMLElement {
    const followed = following === participant.clientId;
    // Our own entry shows what this page looks at, which the agent may not have echoed yet.
    const file = participant.self ? this.#ownFile : participant.file;
    const leader = participant.following === null ? undefined : names.get(participant.following);
    return h(
      'li',
      {
        class: `participant${followed ? ' followed' : ''}`,
        'data-testid': 'participant',
        'data-client-id': participant.clientId,
        style: `--color: ${safeColor(participant.color)}`,
      },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(participant.name)),
      h(
        'div',
        { class: 'participant-main' },
        h(
          'div',
          { class: 'participant-line' },
          h(
            'span',
            {
              class: 'participant-name',
              'data-testid': 'participant-name',
              title: participant.name,
            },
            participant.name,
          ),
          participant.self && h('span', { class: 'muted small' }, '(you)'),
          h(
            'span',
            {
              class: 'badge',
              'data-testid': 'participant-role',
              'data-role': participant.role ?? 'none',
            },
            roleLabel(participant.role),
          ),
        ),
        h(
          'div',
          { class: 'participant-meta' },
          file === null
            ? h(
                'span',
                { class: 'participant-file muted', 'data-testid': 'participant-file' },
                'no file open',
              )
            : h(
                'button',
                {
                  type: 'button',
                  class: 'link-button participant-file',
                  'data-testid': 'participant-file',
                  'data-path': file,
                  title: `Open ${file}`,
                  on: { click: () => this.#options.onOpenFile(file) },
                },
                baseName(file),
              ),
        ),
        leader !== undefined &&
          h('span', { class: 'participant-following muted' }, `following ${leader}`),
      ),
      !participant.self &&
        h(
          'button',
          {
            type: 'button',
            class: `button small follow${followed ? ' primary' : ''}`,
            'data-testid': 'follow',
            'aria-pressed': String(followed),
            title: followed ? `Stop following ${participant.name}` : `Follow ${participant.name}`,
            on: { click: () => this.#options.onFollow(followed ? null : participant.clientId) },
          },
          followed ? 'Following' : 'Follow',
        ),
    );
  }
}

function initials(name: string): string {
  const words = name.split(/[\s@._-]+/).filter((word) => word !== '');
  const letters = words.length > 1 ? [words[0]![0], words[1]![0]] : [...name.slice(0, 2)];
  return letters.join('').toUpperCase();
}
