import { css } from '@codemirror/lang-css';
import { go } from '@codemirror/lang-go';
import { html } from '@codemirror/lang-html';
import { java } from '@codemirror/lang-java';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { markdown } from '@codemirror/lang-markdown';
import { python } from '@codemirror/lang-python';
import { rust } from '@codemirror/lang-rust';
import type { Extension } from '@codemirror/state';
import { baseName } from './dom.js';

/** A language the editor highlights, with the name shown in the status bar. */
export interface LanguageSpec {
  name: string;
  extension: () => Extension;
}

const LANGUAGES: Record<string, LanguageSpec> = {
  ts: { name: 'TypeScript', extension: () => javascript({ typescript: true }) },
  mts: { name: 'TypeScript', extension: () => javascript({ typescript: true }) },
  cts: { name: 'TypeScript', extension: () => javascript({ typescript: true }) },
  tsx: { name: 'TypeScript JSX', extension: () => javascript({ typescript: true, jsx: true }) },
  js: { name: 'JavaScript', extension: () => javascript() },
  mjs: { name: 'JavaScript', extension: () => javascript() },
  cjs: { name: 'JavaScript', extension: () => javascript() },
  jsx: { name: 'JavaScript JSX', extension: () => javascript({ jsx: true }) },
  py: { name: 'Python', extension: () => python() },
  pyi: { name: 'Python', extension: () => python() },
  json: { name: 'JSON', extension: () => json() },
  jsonc: { name: 'JSON', extension: () => json() },
  md: { name: 'Markdown', extension: () => markdown() },
  markdown: { name: 'Markdown', extension: () => markdown() },
  html: { name: 'HTML', extension: () => html() },
  htm: { name: 'HTML', extension: () => html() },
  css: { name: 'CSS', extension: () => css() },
  go: { name: 'Go', extension: () => go() },
  rs: { name: 'Rust', extension: () => rust() },
  java: { name: 'Java', extension: () => java() },
};

const PLAIN_TEXT: LanguageSpec = { name: 'Plain text', extension: () => [] };

/** The language for a file, by its extension; plain text when there is none we know. */
export function languageFor(path: string): LanguageSpec {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return PLAIN_TEXT;
  return LANGUAGES[name.slice(dot + 1).toLowerCase()] ?? PLAIN_TEXT;
}
