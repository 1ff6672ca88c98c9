import { accessCookieName, authCookieNames, refreshCookieName } from '@atelier/contract';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, LogCollector, testAdmin, type TestApp } from './test-app.js';

let app: TestApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

const secure = authCookieNames(true);
const httpsHeaders = { 'X-Forwarded-Proto': 'https' };

function setCookies(headers: Record<string, unknown>): string[] {
  const raw = headers['set-cookie'];
  return Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
}

function pair(cookies: string[], name: string): string {
  const line = cookies.find((cookie) => cookie.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(cookies)}`);
  return line.split(';')[0] ?? '';
}

async function loginOverHttps(current: TestApp) {
  const response = await current.request
    .post('/api/auth/login')
    .set(httpsHeaders)
    .send({ username: testAdmin.username, password: testAdmin.password })
    .expect(200);
  return setCookies(response.headers);
}

describe('cookie names over https', () => {
  it('are __Host-atelier_access (Path=/, no Domain) and __Secure-atelier_refresh (Path=/api/auth), both Secure', async () => {
    app = await createTestApp({ env: { ATELIER_TRUST_PROXY: '1' } });
    expect(secure).toEqual({ access: '__Host-atelier_access', refresh: '__Secure-atelier_refresh' });
    const cookies = await loginOverHttps(app);
    expect(cookies).toHaveLength(2);
    const access = cookies.find((c) => c.startsWith(`${secure.access}=`)) ?? '';
    const refresh = cookies.find((c) => c.startsWith(`${secure.refresh}=`)) ?? '';
    for (const cookie of [access, refresh]) {
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).not.toMatch(/Domain=/i);
    }
    expect(access).toMatch(/; Path=\/(;|$)/);
    expect(refresh).toMatch(/; Path=\/api\/auth(;|$)/);
  });

  it('authenticate, refresh and log out under their prefixed names; bare names count for nothing over https', async () => {
    app = await createTestApp({ env: { ATELIER_TRUST_PROXY: '1' } });
    const cookies = await loginOverHttps(app);
    const access = pair(cookies, secure.access);
    const refresh = pair(cookies, secure.refresh);
    const token = access.slice(access.indexOf('=') + 1);

    await app.request.get('/api/auth/me').set(httpsHeaders).set('Cookie', access).expect(200);
    // The same token under the bare name (as a plain-http page or a sibling host could plant it).
    await app.request
      .get('/api/auth/me')
      .set(httpsHeaders)
      .set('Cookie', `${accessCookieName}=${token}`)
      .expect(401);

    const refreshed = await app.request
      .post('/api/auth/refresh')
      .set(httpsHeaders)
      .set('Origin', app.origin)
      .set('Cookie', refresh)
      .expect(200);
    const rotated = setCookies(refreshed.headers);
    expect(rotated.map((c) => c.split('=')[0]).sort()).toEqual([secure.access, secure.refresh].sort());
    const newRefresh = pair(rotated, secure.refresh);
    const bareRefresh = `${refreshCookieName}=${newRefresh.slice(newRefresh.indexOf('=') + 1)}`;
    await app.request
      .post('/api/auth/refresh')
      .set(httpsHeaders)
      .set('Origin', app.origin)
      .set('Cookie', bareRefresh)
      .expect(401);

    // A cookie-carrying write without our Origin is refused whatever the cookie's name (CSRF guard).
    const forged = await app.request
      .post('/api/auth/logout')
      .set(httpsHeaders)
      .set('Origin', 'https://evil.example')
      .set('Cookie', newRefresh);
    expect(forged.status).toBe(403);

    const out = await app.request
      .post('/api/auth/logout')
      .set(httpsHeaders)
      .set('Origin', app.origin)
      .set('Cookie', `${pair(rotated, secure.access)}; ${newRefresh}`)
      .expect(204);
    const cleared = setCookies(out.headers);
    expect(cleared.some((c) => c.startsWith(`${secure.access}=;`) && /; Secure/.test(c))).toBe(true);
    expect(cleared.some((c) => c.startsWith(`${secure.refresh}=;`) && /Path=\/api\/auth/.test(c))).toBe(true);
  });

  it('keeps the bare names without Secure over plain http, and ignores X-Forwarded-Proto unless a proxy is trusted', async () => {
    app = await createTestApp();
    const cookies = await loginOverHttps(app);
    expect(cookies.map((c) => c.split('=')[0]).sort()).toEqual([accessCookieName, refreshCookieName].sort());
    for (const cookie of cookies) expect(cookie).not.toMatch(/Secure/);
  });
});

describe('what the logs never hold', () => {
  it('a failed query’s parameters: neither the values nor the argon2 hash reach the logs', async () => {
    const logs = new LogCollector();
    app = await createTestApp({ env: { LOG_LEVEL: 'debug' }, logs });
    const admin = await app.login('admin');
    const marker = 'leakmarker7q3';
    // A trigger makes inserting this user fail with an error nobody handles (a 500), carrying the
    // INSERT's parameters: the username and the password's argon2 hash.
    if (app.engine === 'sqlite') {
      await app.sql(
        `CREATE TRIGGER test_refuse_marker BEFORE INSERT ON users WHEN NEW.username LIKE '${marker}%' ` +
          `BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END`,
      );
    } else {
      // Postgres: the same refusal, as a trigger function.
      await app.sql(
        `CREATE FUNCTION test_refuse_marker() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
          `IF NEW.username LIKE '${marker}%' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF; ` +
          `RETURN NEW; END $$`,
      );
      await app.sql(
        `CREATE TRIGGER test_refuse_marker BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION test_refuse_marker()`,
      );
    }
    const response = await app.request
      .post('/api/admin/users')
      .set(admin.bearer)
      .send({ username: `${marker}-user`, password: 'correct-horse-battery', role: 'user' });
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ code: 'internal' });

    // The failure itself is logged (so the test looks where the parameters would have gone)…
    expect(logs.text).toContain('refused by a test trigger');
    expect(logs.lines.some((line) => line.msg === 'Request failed')).toBe(true);
    // …without the values bound to the query.
    expect(logs.text).not.toContain(marker);
    expect(logs.text).not.toContain('$argon2');
    expect(logs.text).not.toContain('correct-horse-battery');
  });

  it('URLs without userinfo or secret query values', async () => {
    const logs = new LogCollector();
    app = await createTestApp({ env: { LOG_LEVEL: 'info' }, logs });
    const admin = await app.login('admin');
    const { port } = new URL(app.url);
    await app.request
      .get('/api/auth/me?token=tok-secret-1&api_key=key-secret-2&password=pw-secret-3&page=visible-4')
      .set(admin.bearer)
      .expect(200);
    // An absolute-form request target with credentials, as a client talking to a proxy sends it.
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port: Number(port),
        method: 'GET',
        path: `http://someone:userinfo-secret-5@127.0.0.1:${port}/api/auth/me?access_token=tok-secret-6`,
        headers: { Authorization: admin.bearer.Authorization },
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', reject);
      request.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const urls = logs.lines
      .map((line) => (line.req as { url?: string } | undefined)?.url)
      .filter((url): url is string => typeof url === 'string' && url.includes('/api/auth/me'));
    expect(urls.length).toBeGreaterThanOrEqual(2);
    expect(urls.join('\n')).toContain('page=visible-4');
    expect(urls.join('\n')).toContain('token=[redacted]');
    for (const secret of [
      'tok-secret-1',
      'key-secret-2',
      'pw-secret-3',
      'userinfo-secret-5',
      'someone',
      'tok-secret-6',
    ]) {
      expect(logs.text).not.toContain(secret);
    }
  });
});
