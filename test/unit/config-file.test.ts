import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfigDir, readConfigFile } from '../../src/store/file/config-file.js';
import { useTempDirs } from '../support/temp-dirs.js';

/** Where config.json lives, and reading it: what it refuses, naming the field, never quoting the file. */

const tempDir = useTempDirs();

describe('config file', () => {
  it('lives where conf would put it, or in PODIO_AUTH_CONFIG_DIR', () => {
    expect(defaultConfigDir({}, 'linux', '/home/u')).toBe('/home/u/.config/podio-auth');
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/podio-auth');
    expect(defaultConfigDir({ PODIO_AUTH_CONFIG_DIR: '/c' }, 'linux', '/home/u')).toBe('/c');
    expect(defaultConfigDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Preferences/podio-auth');
  });

  it("finds the home directory in $HOME on POSIX, else in the account's entry", async () => {
    const { userInfo } = await import('node:os');
    expect(defaultConfigDir({ HOME: '/home/h' }, 'linux')).toBe('/home/h/.config/podio-auth');
    // Whatever HOME the tests run with: with none, the account's own home.
    expect(defaultConfigDir({}, 'linux')).toBe(join(userInfo().homedir, '.config', 'podio-auth'));
  });

  it('is never relative: a relative XDG_CONFIG_HOME is ignored, an empty or relative HOME gives way', async () => {
    const { userInfo } = await import('node:os');
    const account = join(userInfo().homedir, '.config', 'podio-auth');
    expect(defaultConfigDir({ HOME: '/home/h', XDG_CONFIG_HOME: 'xdg' }, 'linux')).toBe('/home/h/.config/podio-auth');
    expect(defaultConfigDir({ HOME: '' }, 'linux')).toBe(account);
    expect(defaultConfigDir({ HOME: 'relative' }, 'linux')).toBe(account);
    expect(defaultConfigDir({ HOME: '.', XDG_CONFIG_HOME: '.' }, 'linux')).toBe(account);
  });

  it('reads a missing file as empty and refuses what it cannot use, naming the field, leaving it as it is', () => {
    const file = join(tempDir(), 'config.json');
    expect(readConfigFile(file).profiles.size).toBe(0);
    const cases: [string, RegExp][] = [
      ['{', /not valid JSON/],
      ['[]', /does not hold a JSON object/],
      ['{"profiles": 3}', /"profiles" entry that is not an object/],
      ['{"profiles": {"a": 1}}', /profile "a" that is not an object/],
      ['{"default_profile": {}, "profiles": {}}', /"default_profile" that is not a string/],
      ['{"profiles": {"a": {"user_name": 42}}}', /profile "a" whose field "user_name" is not a string/],
      ['{"profiles": {"a": {"api_url": 5}}}', /field "api_url" is not a string/],
      ['{"profiles": {"a": {"access_token": {"x": 1}}}}', /field "access_token" is not a string/],
      ['{"profiles": {"a": {"access_token": true}}}', /field "access_token" is not a string/],
      [
        '{"profiles": {"a": {"access_token": "bad\\u001btoken"}}}',
        /field "access_token" has characters a token cannot have/,
      ],
      ['{"profiles": {"a": {"expires_at": "soon"}}}', /field "expires_at" is not a date/],
      ['{"profiles": {"a": {"ref": "me"}}}', /field "ref" is not \{ type, id \}/],
      ['{"profiles": {"a": {"grant": "magic"}}}', /field "grant" is not one of/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(file, text);
      expect(() => readConfigFile(file), text).toThrow(
        expect.objectContaining({ code: 'config_invalid', exitCode: 1, message: expect.stringMatching(message) }),
      );
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });

  it('never quotes the file in its error (a JSON parser would show the text around the fault: a secret)', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, '{"profiles": {"a": {"refresh_token": "SECRET-REFRESH-123" oops');
    try {
      readConfigFile(file);
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('SECRET');
      expect((error as Error).cause).toBeUndefined();
    }
  });

  it('looks profiles up by own name only', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, '{"profiles": {"work": {}}}');
    const config = readConfigFile(file);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect(config.profiles.has(name)).toBe(false);
  });
});
