import { defaultKeymap, indentWithTab } from '@codemirror/commands';
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import {
  EditorView,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from '@codemirror/view';
import { yCollab, ySyncAnnotation, yUndoManagerKeymap } from 'y-codemirror.next';
import * as Y from 'yjs';
import { languageFor } from './languages.js';
import { readCursor, type PresenceAwareness } from './presence-awareness.js';
import type { SharedDocument } from './shared-doc.js';

/** Options for {@link FileEditor}. */
export interface FileEditorOptions {
  path: string;
  document: SharedDocument;
  awareness: PresenceAwareness;
  parent: HTMLElement;
  editable: boolean;
  /** Called after every update that may have moved the selection, for the status bar. */
  onSelection: () => void;
}

/**
 * One CodeMirror editor bound to a shared document. Editing can be switched off at any time
 * (a read-only role, a lost agent, a file gone from the host); remote changes still apply.
 */
export class FileEditor {
  readonly view: EditorView;
  readonly #editable = new Compartment();
  readonly #document: SharedDocument;
  #isEditable: boolean;

  constructor(options: FileEditorOptions) {
    this.#document = options.document;
    this.#isEditable = options.editable;
    this.view = new EditorView({
      parent: options.parent,
      state: EditorState.create({
        doc: options.document.text.toString(),
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          foldGutter(),
          highlightSpecialChars(),
          drawSelection(),
          dropCursor(),
          EditorState.allowMultipleSelections.of(true),
          indentOnInput(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          bracketMatching(),
          rectangularSelection(),
          crosshairCursor(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          // No CodeMirror history: the Yjs undo manager undoes only our own edits.
          keymap.of([
            ...yUndoManagerKeymap,
            ...defaultKeymap,
            ...searchKeymap,
            ...foldKeymap,
            indentWithTab,
          ]),
          languageFor(options.path).extension(),
          yCollab(options.document.text, options.awareness, {
            undoManager: options.document.undoManager,
          }),
          this.#editable.of(editability(options.editable)),
          EditorView.contentAttributes.of({ 'aria-label': `Editor: ${options.path}` }),
          EditorView.updateListener.of((update) => {
            if (update.selectionSet || update.docChanged || update.focusChanged) {
              options.onSelection();
            }
          }),
        ],
      }),
    });
  }

  get editable(): boolean {
    return this.#isEditable;
  }

  /** Switches editing on or off. */
  setEditable(editable: boolean): void {
    if (editable === this.#isEditable) return;
    this.#isEditable = editable;
    // The Yjs undo manager changes the text directly, past EditorState.readOnly: with an
    // empty stack, Mod-z cannot replay our earlier edits while we may not edit.
    if (!editable) this.#document.undoManager.clear();
    this.view.dispatch({ effects: this.#editable.reconfigure(editability(editable)) });
  }

  /** Line and column (1-based) of the main cursor. */
  position(): { line: number; column: number } {
    const head = this.view.state.selection.main.head;
    const line = this.view.state.doc.lineAt(head);
    return { line: line.number, column: head - line.from + 1 };
  }

  /** Scrolls a participant's cursor (from `presence`) into view; false if it does not resolve. */
  reveal(cursor: unknown): boolean {
    const position = readCursor(cursor);
    if (!position) return false;
    const head = Y.createAbsolutePositionFromRelativePosition(position.head, this.#document.doc);
    if (!head || head.type !== this.#document.text) return false;
    const index = Math.min(head.index, this.view.state.doc.length);
    this.view.dispatch({
      effects: EditorView.scrollIntoView(index, { y: 'nearest', yMargin: 60 }),
    });
    return true;
  }

  focus(): void {
    this.view.focus();
  }

  destroy(): void {
    this.view.destroy();
  }
}

function editability(editable: boolean): Extension {
  if (editable) return [];
  return [
    EditorState.readOnly.of(true),
    EditorView.editable.of(false),
    // Belt and braces: whatever gets past the two above (a drop, an extension's command),
    // only changes that came through the Yjs binding from the agent may touch the text.
    EditorState.changeFilter.of(
      (transaction) => transaction.annotation(ySyncAnnotation) !== undefined,
    ),
    // Still focusable, so a read-only participant can select and show its cursor to others.
    EditorView.contentAttributes.of({ tabindex: '0', 'aria-readonly': 'true' }),
  ];
}
