/** Runs every benchmark in turn: `npm run bench`, or `npm run bench -- edit` for one. */
const only = process.argv[2];
if (!only || only === 'edit') await import('./edit-latency.js');
if (!only || only === 'join') await import('./join.js');
