import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { images } from '../gallery-fixtures.js';
import { testAdmin, type TestSession } from '../test-app.js';
import { startHostileHarness, type ComfyHarness } from './hostile-kit.js';

/**
 * Issue 10, hostile suite: information leaks. No answer, error or not, carries a stack, a file path of the
 * server, ComfyUI's address (to non-admins), a password hash, the JWT secret or the ORM's words; and the answers
 * an attacker would compare (unknown user or wrong password) are the same.
 */
let harness: ComfyHarness;
let user: TestSession;
let curator: TestSession;
let admin: TestSession;
const secrets: string[] = [];

beforeAll(async () => {
  harness = await startHostileHarness();
  const { app, sim } = harness;
  user = await app.login('user');
  curator = await app.login('curator');
  admin = await app.login('admin');
  const hashes = await app.nest
    .get(DataSource)
    .query<{ password_hash: string }[]>('SELECT password_hash FROM users');
  // The first three (folders and ComfyUI's address) are for admins only.
  secrets.push(
    app.rootDir,
    sim.url,
    new URL(sim.url).host,
    (await readFile(join(app.config.dataDir, 'jwt-secret'), 'utf8')).trim(),
    testAdmin.password,
    ...hashes.map((row) => row.password_hash),
  );
});
afterAll(() => harness.close());

const app = () => harness.app;
type Answer = { status: number; text: string; headers: Record<string, string> };

const forbiddenWords = [
  /\bat .+\.(?:ts|js):\d+/,
  /node_modules/,
  /QueryFailedError|SQLITE_|TypeError|ReferenceError/,
  /\$argon2/,
];

interface Case {
  name: string;
  send: () => PromiseLike<Answer>;
  status: number;
  /** Admin views may show the server's folders and ComfyUI's address (never hashes or secrets). */
  adminView?: true;
}

const cases: Case[] = [
  {
    name: 'GET an unknown /api route',
    send: () => app().request.get('/api/no-such-thing').set(user.bearer),
    status: 404,
  },
  {
    name: 'POST an unknown /api route',
    send: () => app().request.post('/api/no-such-thing').set(user.bearer).send({}),
    status: 404,
  },
  {
    name: 'malformed JSON',
    send: () => app().request.post('/api/auth/login').set('Content-Type', 'application/json').send('{"a":'),
    status: 400,
  },
  {
    name: 'a login that fails validation',
    send: () => app().request.post('/api/auth/login').send({ username: 1 }),
    status: 400,
  },
  {
    name: 'a wrong password',
    send: () =>
      app().request.post('/api/auth/login').send({ username: 'admin', password: 'wrong-password-here' }),
    status: 401,
  },
  { name: 'no token', send: () => app().request.get('/api/auth/me'), status: 401 },
  {
    name: 'a user on an admin route',
    send: () => app().request.get('/api/admin/users').set(user.bearer),
    status: 403,
  },
  {
    name: 'an unknown job',
    send: () => app().request.get('/api/comfy/status/nope').set(user.bearer),
    status: 404,
  },
  {
    name: 'an unknown image through /view',
    send: () => app().request.get('/api/comfy/view?filename=x.png').set(user.bearer),
    status: 404,
  },
  {
    name: 'a traversal through /view',
    send: () => app().request.get('/api/comfy/view?filename=../../etc/passwd').set(user.bearer),
    status: 400,
  },
  {
    name: 'an unconvertible UI workflow',
    send: () =>
      app()
        .request.post('/api/comfy/workflows/convert')
        .set(user.bearer)
        .send({ workflow: { nodes: [{ id: 1, type: 'NoSuchNode' }], links: [] } }),
    status: 422,
  },
  {
    name: 'a graph ComfyUI refuses',
    send: () =>
      app()
        .request.post('/api/comfy/queue')
        .set(admin.bearer)
        .send({
          workflow: {
            '1': { class_type: 'LoadImage', inputs: { image: 'missing.png' } },
            '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
          },
        }),
    status: 400,
  },
  {
    name: 'txt2img past its caps',
    send: () => app().request.post('/api/comfy/txt2img').set(user.bearer).send({ caption: 'x', steps: 9999 }),
    status: 400,
  },
  {
    name: 'an unknown gallery image',
    send: () => app().request.get('/api/gallery/images/4242').set(user.bearer),
    status: 404,
  },
  {
    name: 'a disguised upload',
    send: () =>
      app().request.post('/api/comfy/upload').set(user.bearer).attach('image', images.svg(), 'a.png'),
    status: 415,
  },
  {
    name: 'an unknown user to update',
    send: () => app().request.patch('/api/admin/users/4242').set(admin.bearer).send({ disabled: true }),
    status: 404,
  },
  {
    name: 'ComfyUI health as a user',
    send: () => app().request.get('/api/comfy/health').set(user.bearer),
    status: 200,
  },
  {
    name: 'ComfyUI health as a curator',
    send: () => app().request.get('/api/comfy/health').set(curator.bearer),
    status: 200,
  },
  {
    name: 'the signed-in user',
    send: () => app().request.get('/api/auth/me').set(admin.bearer),
    status: 200,
  },
  {
    name: 'the user list (admin)',
    send: () => app().request.get('/api/admin/users').set(admin.bearer),
    status: 200,
  },
  {
    name: 'a login',
    send: () =>
      app()
        .request.post('/api/auth/login')
        .send({ username: 'test-user', password: 'password-of-test-user' }),
    status: 200,
  },
  {
    name: 'the settings (admin)',
    send: () => app().request.get('/api/admin/config').set(admin.bearer),
    status: 200,
    adminView: true,
  },
  { name: 'the OpenAPI document', send: () => app().request.get('/api/docs-json'), status: 200 },
  { name: 'the health check', send: () => app().request.get('/api/health'), status: 200 },
];

describe('information leaks', () => {
  it.each(cases)('$name: no stack, path, address, hash or secret', async ({ send, status, adminView }) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    for (const secret of adminView ? secrets.slice(3) : secrets) expect(response.text).not.toContain(secret);
    for (const word of forbiddenWords) expect(response.text).not.toMatch(word);
    if (status >= 400)
      expect(Object.keys(JSON.parse(response.text) as object).sort()).toEqual(
        expect.arrayContaining(['code', 'message']),
      );
  });

  it.each([
    ['an unknown user', { username: 'no-such-user', password: 'whatever-password' }],
    ['a disabled-looking name', { username: 'admin ', password: 'whatever-password' }],
    ['an empty-ish password', { username: 'admin', password: 'x' }],
  ])('a login with %s answers exactly as a wrong password does', async (_kind, credentials) => {
    const wrong = await app()
      .request.post('/api/auth/login')
      .send({ username: 'admin', password: 'wrong-password-here' });
    const other = await app().request.post('/api/auth/login').send(credentials);
    expect([other.status, other.body]).toEqual([wrong.status, wrong.body]);
  });

  it("ComfyUI's address and process are for admins only", async () => {
    const forUser = await app().request.get('/api/comfy/health').set(user.bearer);
    const forAdmin = await app().request.get('/api/comfy/health').set(admin.bearer);
    expect(JSON.stringify(forUser.body)).not.toContain(harness.sim.url);
    expect(JSON.stringify(forAdmin.body)).toContain(new URL(harness.sim.url).host);
  });
});
