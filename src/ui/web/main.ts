/**
 * The browser page of a Tandem agent (host or guest), served on 127.0.0.1. It talks only to
 * its own agent, over one WebSocket (see ../protocol.ts).
 */
import { App } from './app.js';
import { findLayout } from './page-layout.js';

declare global {
  interface Window {
    /** Set once the first `state` from the agent arrived (the end-to-end tests wait on it). */
    tandemReady?: boolean;
    /** The text of an open file as this page has it, or null (for tests and debugging). */
    tandemText?: (path: string) => string | null;
  }
}

const app = new App(findLayout(document));
window.tandemText = (path) => app.text(path);
