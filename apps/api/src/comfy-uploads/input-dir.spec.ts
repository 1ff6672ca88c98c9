import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { comfyInputDir, fileInside } from './input-dir.js';

const config = (env: Record<string, string>) => loadConfig({ ATELIER_ROOT_DIR: '/srv/atelier', ...env });

describe('comfyInputDir', () => {
  it('is COMFY_INPUT_DIR when set (relative to the root dir), else unknown outside managed mode', () => {
    expect(comfyInputDir(config({ COMFY_INPUT_DIR: '/data/comfy/input' }))).toBe('/data/comfy/input');
    expect(comfyInputDir(config({ COMFY_INPUT_DIR: 'comfy/input' }))).toBe('/srv/atelier/comfy/input');
    expect(comfyInputDir(config({}))).toBeNull();
  });

  it('in managed mode, follows the command line the way ComfyUI does', () => {
    const managed = (command: string, extra: Record<string, string> = {}) =>
      comfyInputDir(config({ COMFY_MANAGED_COMMAND: command, COMFY_MANAGED_CWD: '/opt/ComfyUI', ...extra }));
    expect(managed('python3 main.py --cpu')).toBe('/opt/ComfyUI/input');
    expect(managed('/venv/bin/python /srv/ComfyUI/main.py')).toBe('/srv/ComfyUI/input');
    expect(managed('python3 main.py --input-directory /mnt/in')).toBe('/mnt/in');
    expect(managed('python3 main.py --input-directory=in')).toBe('/opt/ComfyUI/in');
    expect(managed('python3 main.py --base-directory /data')).toBe('/data/input');
    expect(managed('comfy launch')).toBeNull();
    expect(managed('python3 main.py', { COMFY_INPUT_DIR: '/explicit' })).toBe('/explicit');
  });
});

describe('configDir', () => {
  it('defaults to the config folder of the repository the server runs from, not of the root dir', () => {
    const repoConfig = fileURLToPath(new URL('../../../../config', import.meta.url));
    expect(config({}).configDir).toBe(repoConfig.replace(/\/$/, ''));
    expect(config({ ATELIER_CONFIG_DIR: 'etc/atelier' }).configDir).toBe('/srv/atelier/etc/atelier');
  });
});

describe('fileInside', () => {
  it('stays inside the folder', () => {
    expect(fileInside('/in', 'atelier', 'a.png')).toBe('/in/atelier/a.png');
    expect(fileInside('/in', '', 'a.png')).toBe('/in/a.png');
    expect(fileInside('/in', '..', 'a.png')).toBeNull();
    expect(fileInside('/in', 'x/../..', 'etc')).toBeNull();
    expect(fileInside('/in', '', '')).toBeNull();
  });
});
