/** Runs every benchmark in turn. */
await import('./join.js');
