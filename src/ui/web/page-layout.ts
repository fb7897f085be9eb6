/** The fixed parts of index.html that the page fills in, found by id. */
export interface PageLayout {
  header: HTMLElement;
  /** Everything below the header except the status bar; hidden behind the gate screen. */
  workspace: HTMLElement;
  tree: HTMLElement;
  treeToolbar: HTMLElement;
  nameForm: HTMLElement;
  tabs: HTMLElement;
  panes: HTMLElement;
  /** The hint shown while no file is open. */
  empty: HTMLElement;
  editorHeader: HTMLElement;
  editorPath: HTMLElement;
  readOnly: HTMLElement;
  readOnlyDetail: HTMLElement;
  participants: HTMLElement;
  guestsSection: HTMLElement;
  guests: HTMLElement;
  status: HTMLElement;
  gate: HTMLElement;
  ended: HTMLElement;
  toasts: HTMLElement;
}

const IDS: Record<keyof PageLayout, string> = {
  header: 'header',
  workspace: 'workspace',
  tree: 'tree',
  treeToolbar: 'tree-toolbar',
  nameForm: 'name-form',
  tabs: 'tabs',
  panes: 'panes',
  empty: 'empty',
  editorHeader: 'editor-header',
  editorPath: 'editor-path',
  readOnly: 'read-only',
  readOnlyDetail: 'read-only-detail',
  participants: 'participants',
  guestsSection: 'guests-section',
  guests: 'guests',
  status: 'status',
  gate: 'gate',
  ended: 'ended',
  toasts: 'toasts',
};

/** Finds the layout's elements; throws if index.html and this file disagree. */
export function findLayout(root: Document): PageLayout {
  const layout: Partial<PageLayout> = {};
  for (const [key, id] of Object.entries(IDS) as [keyof PageLayout, string][]) {
    const element = root.getElementById(id);
    if (!element) throw new Error(`index.html has no element with id "${id}"`);
    layout[key] = element;
  }
  return layout as PageLayout;
}
