import type { PageMessage } from '../protocol.js';
import { confirmAction } from './confirm-dialog.js';
import { baseName, h, joinPath, parentPath, replaceChildren } from './dom.js';
import type { FileTree, TreeSelection } from './file-tree.js';
import { icon, type IconName } from './icons.js';

/** A file operation message as the page sends it. */
export type OpMessage = Extract<PageMessage, { t: 'op' }>;

/** Options for {@link FileOps}. */
export interface FileOpsOptions {
  /** Where the New file / New folder / Rename / Delete buttons go. */
  toolbar: HTMLElement;
  /** Where the name input appears. */
  form: HTMLElement;
  tree: FileTree;
  send: (message: OpMessage) => boolean;
  notify: (level: 'info' | 'error', message: string) => void;
  /** A file of ours was created: open it. */
  onCreated: (path: string) => void;
  /** A file or folder of ours was renamed: tabs under `from` move to `to`. */
  onRenamed: (from: string, to: string) => void;
  /** A file or folder of ours was deleted: tabs under it close. */
  onDeleted: (path: string) => void;
  /** A gone file was saved under a new path. */
  onSavedAs: (from: string, to: string) => void;
}

interface PendingOp {
  /** What was asked, for an error message: "create src/a.ts". */
  label: string;
  onOk: () => void;
}

type NameMode = { kind: 'create' | 'mkdir'; folder: string } | { kind: 'rename'; from: string };

/**
 * Create, rename and delete from the tree, for roles that may change files. Names are typed
 * into an in-page input (relative to the folder they go in) and confirmed with Enter; every
 * request is answered by an `op-result` with its `ref`, and failures become notices.
 */
export class FileOps {
  readonly #options: FileOpsOptions;
  readonly #pending = new Map<number, PendingOp>();
  readonly #rename: HTMLButtonElement;
  readonly #delete: HTMLButtonElement;
  #nextRef = 1;
  #allowed = false;

  constructor(options: FileOpsOptions) {
    this.#options = options;
    const button = (testid: IconName, label: string, run: () => void) =>
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'data-testid': testid,
          'aria-label': label,
          title: label,
          on: { click: run },
        },
        icon(testid),
      );
    this.#rename = button('rename', 'Rename', () => this.#startRename());
    this.#delete = button('delete', 'Delete', () => void this.#deleteSelected());
    options.toolbar.append(
      button('new-file', 'New file', () => this.#startCreate('create')),
      button('new-folder', 'New folder', () => this.#startCreate('mkdir')),
      this.#rename,
      this.#delete,
    );
    this.setAllowed(false);
    options.form.hidden = true;
  }

  /** Shows the controls only to those who may use them. */
  setAllowed(allowed: boolean): void {
    this.#allowed = allowed;
    this.#options.toolbar.hidden = !allowed;
    if (!allowed) this.#closeForm();
    this.selectionChanged(this.#options.tree.selection);
  }

  /** Rename and Delete need a selected tree item. */
  selectionChanged(selection: TreeSelection | null): void {
    this.#rename.disabled = selection === null;
    this.#delete.disabled = selection === null;
  }

  /** An `op-result` from the agent. */
  result(ref: number, ok: boolean, message: string | undefined): void {
    const pending = this.#pending.get(ref);
    if (!pending) return;
    this.#pending.delete(ref);
    if (ok) pending.onOk();
    else this.#options.notify('error', `Could not ${pending.label}: ${message ?? 'refused'}`);
  }

  /** Saves the text of a file that went away on the host as a new file. */
  saveAs(from: string, to: string, content: string): void {
    const path = normalize(to);
    if (typeof path !== 'string') {
      this.#options.notify('error', `Could not save as "${to}": ${path.error}`);
      return;
    }
    this.#request({ op: 'create', path, content }, `save ${path}`, () => {
      this.#options.tree.refresh(parentPath(path));
      this.#options.onSavedAs(from, path);
    });
  }

  #request(op: Omit<OpMessage, 't' | 'ref'>, label: string, onOk: () => void): void {
    const ref = this.#nextRef++;
    if (!this.#options.send({ t: 'op', ref, ...op })) {
      this.#options.notify('error', `Could not ${label}: not connected to the Tandem agent`);
      return;
    }
    this.#pending.set(ref, { label, onOk });
  }

  // New items go into the selected folder, or beside the selected file.
  #startCreate(kind: 'create' | 'mkdir'): void {
    const selection = this.#options.tree.selection;
    const folder =
      selection === null
        ? ''
        : selection.kind === 'dir'
          ? selection.path
          : parentPath(selection.path);
    const where = folder === '' ? 'the shared folder' : `${folder}/`;
    this.#openForm(
      { kind, folder },
      kind === 'create' ? `New file in ${where}` : `New folder in ${where}`,
      '',
    );
  }

  #startRename(): void {
    const selection = this.#options.tree.selection;
    if (!selection) return;
    this.#openForm(
      { kind: 'rename', from: selection.path },
      `Rename ${selection.path} to`,
      baseName(selection.path),
    );
  }

  async #deleteSelected(): Promise<void> {
    const selection = this.#options.tree.selection;
    if (!selection) return;
    const { path, kind } = selection;
    const yes = await confirmAction({
      title: kind === 'dir' ? 'Delete folder?' : 'Delete file?',
      message:
        kind === 'dir'
          ? `Delete the folder ${path} and everything in it on the host, for everyone?`
          : `Delete ${path} on the host, for everyone?`,
      confirmLabel: 'Delete',
    });
    if (!yes) return;
    this.#request({ op: 'delete', path }, `delete ${path}`, () => {
      this.#options.tree.refresh(parentPath(path));
      this.#options.tree.select(null);
      this.#options.onDeleted(path);
    });
  }

  #openForm(mode: NameMode, label: string, value: string): void {
    if (!this.#allowed) return;
    const form = this.#options.form;
    const error = h('p', { class: 'name-error', role: 'alert' });
    const input = h('input', {
      type: 'text',
      class: 'text-input',
      'data-testid': 'name-input',
      'aria-label': label,
      value,
      spellcheck: 'false',
      autocomplete: 'off',
      on: {
        keydown: (event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            this.#closeForm();
          }
        },
      },
    });
    replaceChildren(
      form,
      h('label', { class: 'name-label' }, label),
      h(
        'form',
        {
          class: 'name-row',
          on: {
            submit: (event) => {
              event.preventDefault();
              const problem = this.#submit(mode, input.value);
              error.textContent = problem ?? '';
            },
          },
        },
        input,
        h('button', { type: 'submit', class: 'button primary small' }, 'OK'),
        h(
          'button',
          { type: 'button', class: 'button small', on: { click: () => this.#closeForm() } },
          'Cancel',
        ),
      ),
      error,
    );
    form.hidden = false;
    input.focus();
    // Select the name without its extension, as file managers do.
    const dot = value.lastIndexOf('.');
    input.setSelectionRange(0, dot > 0 ? dot : value.length);
  }

  /** Sends the operation for a typed name; returns what is wrong with the name, if anything. */
  #submit(mode: NameMode, typed: string): string | undefined {
    const folder = mode.kind === 'rename' ? parentPath(mode.from) : mode.folder;
    const path = normalize(joinPath(folder, typed.trim()));
    if (typeof path !== 'string') return path.error;
    const tree = this.#options.tree;
    if (mode.kind === 'rename') {
      const from = mode.from;
      if (path === from) {
        this.#closeForm();
        return undefined;
      }
      this.#request({ op: 'rename', path: from, to: path }, `rename ${from} to ${path}`, () => {
        tree.refresh(parentPath(from));
        tree.refresh(parentPath(path));
        tree.select(null);
        this.#options.onRenamed(from, path);
      });
    } else if (mode.kind === 'create') {
      this.#request({ op: 'create', path }, `create ${path}`, () => {
        tree.expand(parentPath(path));
        tree.refresh(parentPath(path));
        tree.select({ path, kind: 'file' });
        this.#options.onCreated(path);
      });
    } else {
      this.#request({ op: 'mkdir', path }, `create the folder ${path}`, () => {
        tree.expand(parentPath(path));
        tree.refresh(parentPath(path));
        tree.select({ path, kind: 'dir' });
      });
    }
    this.#closeForm();
    return undefined;
  }

  #closeForm(): void {
    const form = this.#options.form;
    const hadFocus = form.contains(document.activeElement);
    form.hidden = true;
    form.replaceChildren();
    if (hadFocus) this.#options.toolbar.querySelector<HTMLElement>('button')?.focus();
  }
}

/**
 * A typed path made relative and '/'-separated, or what is wrong with it. The host checks
 * every path again; this only catches typing mistakes early.
 */
export function normalize(typed: string): string | { error: string } {
  const segments = typed.split('/').filter((segment) => segment !== '');
  if (segments.length === 0) return { error: 'Type a name.' };
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    return { error: 'A name may not be "." or "..".' };
  }
  return segments.join('/');
}
