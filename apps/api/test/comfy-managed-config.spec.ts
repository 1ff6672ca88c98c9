import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load-config.js';
import { findFreePort } from '../src/comfy-managed/free-port.js';
import { argsWithPort, connectHostOf, listenAddressesOf } from '../src/comfy-managed/managed-command.js';
import { canTransition, InvalidTransitionError, ManagedState } from '../src/comfy-managed/managed-state.js';
import { splitShellWords } from '../src/common/shell-words.js';
import { ephemeralPort, listen } from './fixtures/managed/helpers.js';

const root = '/srv/atelier';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ATELIER_ROOT_DIR: root, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('COMFY_MANAGED_* configuration', () => {
  it('is off unless COMFY_MANAGED_COMMAND is set', () => {
    expect(loadConfig({ ATELIER_ROOT_DIR: root }).comfyManaged).toBeNull();
    expect(loadConfig({ ATELIER_ROOT_DIR: root, COMFY_MANAGED_COMMAND: '  ' }).comfyManaged).toBeNull();
  });

  it('has the documented defaults', () => {
    const config = loadConfig({ ATELIER_ROOT_DIR: root, COMFY_MANAGED_COMMAND: 'python3 main.py --cpu' });
    expect(config.comfyManaged).toEqual({
      command: ['python3', 'main.py', '--cpu'],
      cwd: root,
      initialPort: 8188,
      startAttempts: 10,
      startSleepS: 1,
      testPayloadPath: null,
      readyTimeoutS: 120,
      warmupTimeoutS: 120,
      stopGraceS: 5,
      stableAfterS: 60,
    });
  });

  it('reads every variable, with paths relative to the root dir', () => {
    const config = loadConfig({
      ATELIER_ROOT_DIR: root,
      COMFY_MANAGED_COMMAND: `"/opt/Comfy UI/venv/bin/python" main.py --cpu --extra 'a b' c\\ d`,
      COMFY_MANAGED_CWD: 'comfy',
      COMFY_MANAGED_INITIAL_PORT: '9000',
      COMFY_MANAGED_START_ATTEMPTS: '3',
      COMFY_MANAGED_START_SLEEP_S: '0.25',
      COMFY_MANAGED_TEST_PAYLOAD: '/etc/atelier/warmup.json',
      COMFY_MANAGED_READY_TIMEOUT_S: '30',
      COMFY_MANAGED_WARMUP_TIMEOUT_S: '45',
      COMFY_MANAGED_STOP_GRACE_S: '0',
      COMFY_MANAGED_STABLE_AFTER_S: '10',
    });
    expect(config.comfyManaged).toEqual({
      command: ['/opt/Comfy UI/venv/bin/python', 'main.py', '--cpu', '--extra', 'a b', 'c d'],
      cwd: `${root}/comfy`,
      initialPort: 9000,
      startAttempts: 3,
      startSleepS: 0.25,
      testPayloadPath: '/etc/atelier/warmup.json',
      readyTimeoutS: 30,
      warmupTimeoutS: 45,
      stopGraceS: 0,
      stableAfterS: 10,
    });
  });

  it('stops the boot naming the variable, even when managed mode is off', () => {
    expect(problemsOf({ COMFY_MANAGED_COMMAND: 'python3 "main.py' })[0]).toMatch(
      /^COMFY_MANAGED_COMMAND must be a command line such as "python3 main.py --cpu" .* \(got "python3 \\"main.py"\)$/,
    );
    expect(problemsOf({ COMFY_MANAGED_COMMAND: 'python3 main.py --port 8190' })[0]).toMatch(
      /^COMFY_MANAGED_COMMAND must be .* without --port/,
    );
    expect(problemsOf({ COMFY_MANAGED_COMMAND: 'cd /opt/comfy && python3 main.py' })[0]).toMatch(
      /^COMFY_MANAGED_COMMAND/,
    );
    expect(problemsOf({ COMFY_MANAGED_INITIAL_PORT: '0' })).toEqual([
      'COMFY_MANAGED_INITIAL_PORT must be a whole number between 1 and 65535 (got "0")',
    ]);
    expect(problemsOf({ COMFY_MANAGED_START_ATTEMPTS: '2.5' })[0]).toMatch(
      /^COMFY_MANAGED_START_ATTEMPTS must be a whole number/,
    );
    expect(problemsOf({ COMFY_MANAGED_START_SLEEP_S: '0' })[0]).toMatch(
      /^COMFY_MANAGED_START_SLEEP_S must be a number of seconds greater than 0/,
    );
    expect(problemsOf({ COMFY_MANAGED_READY_TIMEOUT_S: 'soon' })[0]).toMatch(
      /^COMFY_MANAGED_READY_TIMEOUT_S/,
    );
    expect(problemsOf({ COMFY_MANAGED_STOP_GRACE_S: '-1' })[0]).toMatch(/^COMFY_MANAGED_STOP_GRACE_S/);
  });
});

describe('splitShellWords', () => {
  it('splits on blanks and honours quotes and backslashes like sh', () => {
    expect(splitShellWords('  python3   main.py\t--cpu ')).toEqual(['python3', 'main.py', '--cpu']);
    expect(splitShellWords(`a'b c'd "e \\"f\\" \\$g \\h" '' ""`)).toEqual(['ab cd', 'e "f" $g \\h', '', '']);
    expect(splitShellWords('one\\ word two\\\nthree')).toEqual(['one word', 'twothree']);
    expect(splitShellWords(`'$HOME|x' "~/y;z"`)).toEqual(['$HOME|x', '~/y;z']);
    expect(splitShellWords('a~b')).toEqual(['a~b']);
  });

  it('refuses what only a shell would understand, and broken quoting', () => {
    for (const line of [
      'a "b',
      "a 'b",
      'a\\',
      'a | b',
      'a; b',
      'a && b',
      'a > log',
      '$HOME/x',
      '~/ComfyUI',
      'a `b`',
    ]) {
      expect(splitShellWords(line), line).toBeUndefined();
    }
  });
});

describe('managed command line', () => {
  it('appends --port, and --listen 127.0.0.1 unless the command listens already', () => {
    expect(argsWithPort(['main.py', '--cpu'], 8190)).toEqual([
      'main.py',
      '--cpu',
      '--port',
      '8190',
      '--listen',
      '127.0.0.1',
    ]);
    expect(argsWithPort(['main.py', '--listen', '0.0.0.0'], 8190)).toEqual([
      'main.py',
      '--listen',
      '0.0.0.0',
      '--port',
      '8190',
    ]);
    expect(argsWithPort(['main.py', '--listen=::1'], 1)).toEqual(['main.py', '--listen=::1', '--port', '1']);
  });

  it('reaches the child on loopback unless it is pinned to one address', () => {
    expect(listenAddressesOf(['main.py'])).toBeNull();
    expect(listenAddressesOf(['main.py', '--listen'])).toEqual(['0.0.0.0', '::']);
    expect(connectHostOf(['main.py'])).toBe('127.0.0.1');
    expect(connectHostOf(['main.py', '--listen'])).toBe('127.0.0.1');
    expect(connectHostOf(['main.py', '--listen', '0.0.0.0,::'])).toBe('127.0.0.1');
    expect(connectHostOf(['main.py', '--listen', '192.168.1.5'])).toBe('192.168.1.5');
    expect(connectHostOf(['main.py', '--listen=[::1]'])).toBe('::1');
  });
});

describe('findFreePort', () => {
  it('returns the initial port when free and skips ports in use', async () => {
    const port = await ephemeralPort();
    expect(await findFreePort(port, '127.0.0.1')).toBe(port);
    const taken = await listen(port);
    try {
      expect(await findFreePort(port, '127.0.0.1')).toBeGreaterThan(port);
      await expect(findFreePort(port, '127.0.0.1', 1)).rejects.toThrow(
        `no free port between ${port} and ${port}`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('ManagedState', () => {
  it('allows uninit → initializing → ready | error → killed and restarts, nothing else', () => {
    expect(canTransition('uninit', 'initializing')).toBe(true);
    expect(canTransition('initializing', 'initializing')).toBe(true);
    expect(canTransition('ready', 'initializing')).toBe(true);
    expect(canTransition('error', 'initializing')).toBe(true);
    expect(canTransition('uninit', 'ready')).toBe(false);
    expect(canTransition('error', 'ready')).toBe(false);
    expect(canTransition('killed', 'initializing')).toBe(false);

    const seen: string[] = [];
    const state = new ManagedState((status) => seen.push(status.state));
    seen.push(state.state);
    state.transition('initializing', { attempt: 1 });
    state.transition('ready', { port: 8188 });
    expect(() => state.transition('error')).toThrow(InvalidTransitionError);
    state.transition('killed');
    expect(seen).toEqual(['uninit', 'initializing', 'ready', 'killed']);
    expect(state.status).toMatchObject({ state: 'killed', attempt: 1, port: 8188 });
    expect(Object.isFrozen(state.status)).toBe(true);
  });
});
