import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  loadWorkspaceRules,
  PathRejectedError,
  resolveInside,
  scanWorkspace,
  WorkspaceLimitError,
} from '../../src/workspace/index.js';
import { isRoot, tempDir, writeTree } from './helpers.js';

test('built-in secrets and .git are never shared, at any depth', async (t) => {
  const root = await tempDir(t);
  const rules = await loadWorkspaceRules(root);
  for (const path of [
    '.git',
    '.git/config',
    'vendor/lib/.git/HEAD',
    '.env',
    '.env.local',
    '.env.example',
    'app/.env.production',
    'certs/server.pem',
    'tls.key',
    'store.p12',
    'id_rsa',
    'id_ed25519.pub',
    '.npmrc',
    '.netrc',
    '.pypirc',
    '.git-credentials',
    'vault.kdbx',
    '.aws/credentials',
    'home/.ssh/config',
    'infra/.docker/config.json',
  ]) {
    assert.equal(rules.isShared(path, false), false, path);
  }
  assert.equal(rules.isShared('.aws', true), false);
  assert.equal(rules.isShared('.ssh', true), false);
});

/** One example of every kind of credential file the built-in list must keep from guests. */
const CREDENTIAL_FILES = [
  'credentials.json',
  'config/gcp-credentials.json',
  'client_secret_1234.apps.googleusercontent.com.json',
  'service-account.json',
  'keys/service-account-prod.json',
  'deploy/ci-service-account.json',
  'AuthKey_ABC123XYZ.p8',
  'prod.env',
  'config/staging.env',
  '.env.ts',
  '.pgpass',
  '.my.cnf',
  'infra/prod.tfvars',
  'infra/prod.auto.tfvars.json',
  'terraform.tfstate',
  'infra/terraform.tfstate.backup',
  'kubeconfig',
  'deploy/kubeconfig.yaml',
  'cluster.kubeconfig',
  '.kube/config',
  '.dockercfg',
  '.docker/config.json',
  '.yarnrc.yml',
  '.config/gcloud/application_default_credentials.json',
  'home/.config/gcloud/credentials.db',
  '.config/gh/hosts.yml',
  '.bash_history',
  '.zsh_history',
  '.python_history',
  '.node_repl_history',
  'android/release.keystore',
  'signing.jks',
  '.htpasswd',
  'config/secrets.yml',
  'k8s/secrets.yaml',
  '.streamlit/secrets.toml',
  '.s3cfg',
  '.azure/msal_token_cache.json',
  '.cargo/credentials.toml',
  '.gem/credentials',
];

/** Files that only look like credentials by name and must stay shared. */
const ORDINARY_FILES = [
  'README.md',
  'src/credentials.ts',
  'src/env.ts',
  'environment.ts',
  'schemas/credentials-schema.json',
  'docs/service-accounts.md',
  'secrets.py',
  'SECRETS.md',
  'pkg/kubeconfig.go',
  'history.ts',
  '.yarnrc',
  'main.tf',
  '.terraform.lock.hcl',
  '.config/settings.json',
  'docker/Dockerfile',
];

test('credential files are neither listed nor served, and look-alike code is', async (t) => {
  const root = await tempDir(t);
  await writeTree(
    root,
    Object.fromEntries([...CREDENTIAL_FILES, ...ORDINARY_FILES].map((path) => [path, 'x'])),
  );
  const rules = await loadWorkspaceRules(root);
  const listed = new Set<string>();
  for await (const entry of scanWorkspace(root, rules)) listed.add(entry.path);
  for (const path of CREDENTIAL_FILES) {
    assert.equal(listed.has(path), false, `${path} is listed`);
    await assert.rejects(
      resolveInside(root, path, rules),
      (error: unknown) => error instanceof PathRejectedError && error.reason === 'ignored',
      `${path} is served`,
    );
  }
  for (const path of ORDINARY_FILES) {
    assert.equal(listed.has(path), true, `${path} is not listed`);
    assert.equal(await resolveInside(root, path, rules), join(root, ...path.split('/')));
  }
  for (const dir of ['.kube', '.azure', '.config/gcloud']) assert.equal(listed.has(dir), false);
});

test('built-in secrets are matched case-insensitively', async (t) => {
  const rules = await loadWorkspaceRules(await tempDir(t));
  assert.equal(rules.isShared('.ENV', false), false);
  assert.equal(rules.isShared('.Git/config', false), false);
  assert.equal(rules.isShared('KEYS/Server.PEM', false), false);
});

test('ordinary files, node_modules and look-alike names are shared by default', async (t) => {
  const rules = await loadWorkspaceRules(await tempDir(t));
  for (const path of [
    'src/a.ts',
    'node_modules/x/index.js',
    'environment.ts',
    '.gitignore',
    'keys.ts',
  ]) {
    assert.equal(rules.isShared(path, false), true, path);
  }
  assert.equal(rules.isShared('.github', true), true);
});

test('a root .gitignore excludes what it matches, files and directories alike', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.gitignore': 'node_modules/\n*.log\n/build\n' });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('node_modules', true), false);
  assert.equal(rules.isShared('node_modules/x/index.js', false), false);
  assert.equal(rules.isShared('deep/debug.log', false), false);
  assert.equal(rules.isShared('build/out.js', false), false);
  assert.equal(rules.isShared('src/build/out.js', false), true);
  assert.equal(rules.isShared('src/a.ts', false), true);
});

test('a nested .gitignore applies relative to its own directory', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, {
    'pkg/.gitignore': '/dist\nsecret.txt\n',
    'pkg/dist/a.js': '',
    'dist/a.js': '',
  });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('pkg/dist/a.js', false), false);
  assert.equal(rules.isShared('pkg/sub/dist/a.js', false), true);
  assert.equal(rules.isShared('dist/a.js', false), true);
  assert.equal(rules.isShared('pkg/deep/secret.txt', false), false);
  assert.equal(rules.isShared('secret.txt', false), true);
});

test('a deeper .gitignore can re-include what a shallower one excludes', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.gitignore': '*.gen.ts\n', 'keep/.gitignore': '!*.gen.ts\n' });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('a.gen.ts', false), false);
  assert.equal(rules.isShared('keep/a.gen.ts', false), true);
});

test('nothing inside an excluded directory can be re-included', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.gitignore': 'out/\n!out/keep.txt\n', 'out/.gitignore': '!keep.txt\n' });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('out/keep.txt', false), false);
});

test('.gitignore files inside excluded directories are not read', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.gitignore': 'vendor/\n', 'vendor/.gitignore': '!*\n' });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('vendor/a.js', false), false);
});

test('ignore files cannot re-include a built-in secret', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.gitignore': '!.env\n', '.tandemignore': '!.env\n' });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('.env', false), false);
});

test('.tandemignore excludes more, even what .gitignore re-includes', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, {
    '.tandemignore': 'private/\n*.draft.md\n',
    '.gitignore': '!notes.draft.md\n',
  });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('private/plan.md', false), false);
  assert.equal(rules.isShared('notes.draft.md', false), false);
  assert.equal(rules.isShared('README.md', false), true);
});

test('.git/info/exclude is honoured below the root .gitignore', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.git/info/exclude': 'scratch/\n*.tmp\n', '.gitignore': '!keep.tmp\n' });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('scratch/a.ts', false), false);
  assert.equal(rules.isShared('x.tmp', false), false);
  assert.equal(rules.isShared('keep.tmp', false), true);
});

test('dir-only patterns exclude directories and not files of the same name', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.gitignore': 'cache/\n' });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('cache', true), false);
  assert.equal(rules.isShared('cache', false), true);
});

test('invalid paths are reported as not shared', async (t) => {
  const rules = await loadWorkspaceRules(await tempDir(t));
  for (const path of ['', '../x', '/etc/passwd', 'a\\b', 'a//b']) {
    assert.equal(rules.isShared(path, false), false, path);
  }
});

test('reload picks up changed ignore files, new nested ones included', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'src/a.ts': '', 'lib/b.ts': '' });
  const rules = await loadWorkspaceRules(root);
  assert.equal(rules.isShared('src/a.ts', false), true);
  await writeFile(join(root, '.gitignore'), 'src/\n');
  await writeFile(join(root, 'lib', '.gitignore'), 'b.ts\n');
  assert.equal(rules.isShared('src/a.ts', false), true, 'rules only change on reload');
  await rules.reload();
  assert.equal(rules.isShared('src/a.ts', false), false);
  assert.equal(rules.isShared('lib/b.ts', false), false);
});

test('an ignore file over the size limit fails closed', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.gitignore': `${'x'.repeat(2000)}\n` });
  await assert.rejects(
    loadWorkspaceRules(root, { maxIgnoreFileBytes: 1000 }),
    (error: unknown) =>
      error instanceof WorkspaceLimitError && error.limit === 'MAX_IGNORE_FILE_BYTES',
  );
});

test('more .gitignore files than the limit fail closed', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.gitignore': 'a\n', 'x/.gitignore': 'b\n', 'y/.gitignore': 'c\n' });
  await assert.rejects(
    loadWorkspaceRules(root, { maxIgnoreFiles: 2 }),
    (error: unknown) => error instanceof WorkspaceLimitError && error.limit === 'MAX_IGNORE_FILES',
  );
});

test('extra excludes from the options are never shared', async (t) => {
  const rules = await loadWorkspaceRules(await tempDir(t), { extraExcludes: ['*.secret'] });
  assert.equal(rules.isShared('conf/db.secret', false), false);
});

test('rules stay correct after the matcher memo is reset by many distinct queries', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { '.gitignore': '*.log\n' });
  const rules = await loadWorkspaceRules(root, { maxCacheQueries: 100 });
  for (let i = 0; i < 1000; i++) rules.isShared(`probe/${i}.txt`, false);
  assert.equal(rules.isShared('a.log', false), false);
  assert.equal(rules.isShared('a.txt', false), true);
});

test(
  'an unreadable .gitignore hides everything in its directory',
  { skip: isRoot || process.platform === 'win32' },
  async (t) => {
    const root = await tempDir(t);
    await writeTree(root, { 'pkg/.gitignore': 'secret\n', 'pkg/a.ts': '', 'b.ts': '' });
    await chmod(join(root, 'pkg', '.gitignore'), 0o000);
    const rules = await loadWorkspaceRules(root);
    assert.equal(rules.isShared('pkg/a.ts', false), false);
    assert.equal(rules.isShared('b.ts', false), true);
  },
);
