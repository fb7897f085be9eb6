import { h } from './dom.js';

/** What {@link confirmAction} asks. */
export interface ConfirmOptions {
  title: string;
  message: string;
  /** The label of the button that goes ahead, e.g. "End session". */
  confirmLabel: string;
}

/**
 * Asks the person to confirm a destructive action in a modal dialog. Enter goes ahead (the
 * confirm button has focus), Escape or Cancel does not. Resolves with the answer.
 */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const confirm = h(
      'button',
      {
        type: 'submit',
        value: 'yes',
        class: 'button danger',
        'data-testid': 'confirm',
        autofocus: true,
      },
      options.confirmLabel,
    );
    const dialog = h(
      'dialog',
      { class: 'dialog', 'data-testid': 'confirm-dialog', 'aria-labelledby': 'confirm-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'confirm-title', class: 'dialog-title' }, options.title),
        h('p', { class: 'dialog-text' }, options.message),
        h(
          'div',
          { class: 'dialog-actions' },
          h(
            'button',
            { type: 'submit', value: 'no', class: 'button', 'data-testid': 'cancel' },
            'Cancel',
          ),
          confirm,
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'yes');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    confirm.focus();
  });
}
