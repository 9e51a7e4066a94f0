/**
 * `twin doctor` and the k3d engine's exit-3 message tell "no Docker" from "client present,
 * daemon not running" (and from a socket this user may not open). `docker version` prints the
 * client's version even when the daemon is down, and exits 1 then; a missing command gives nothing.
 */
import { describe, expect, it } from 'vitest';
import { classifyDocker, dockerProblem, probeDocker } from '../../src/engines/k3d/docker.js';
import { dockerDaemonDetail } from '../../src/engines/k3d/doctor.js';
import type { Exec, ExecResult } from '../../src/engines/k3d/exec.js';

const result = (exitCode: number, stdout: string, stderr = ''): ExecResult => ({ exitCode, stdout, stderr });
const down = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
const denied =
  'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: ' +
  'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.50/info": dial unix /var/run/docker.sock: connect: permission denied';

describe('classifying Docker on a host', () => {
  it('no docker command at all', () => {
    const state = classifyDocker(result(1, ''), result(1, ''));
    expect(state).toEqual({ kind: 'no-client' });
    expect(dockerProblem(state)).toMatch(/^no Docker on this host: the docker command is not installed/);
    expect(dockerDaemonDetail(state)).toMatch(/^no Docker installed/);
    expect(classifyDocker(null, null)).toEqual({ kind: 'no-client' });
  });

  it('client present, daemon not running', () => {
    const state = classifyDocker(result(1, '28.2.2', down), result(1, '', down));
    expect(state).toEqual({ kind: 'no-daemon', client: '28.2.2', why: 'not running' });
    expect(dockerProblem(state)).toMatch(/^Docker client 28\.2\.2 present, but the Docker daemon is not running/);
    expect(dockerDaemonDetail(state)).toMatch(/^client present, daemon not running/);
  });

  it('client present, socket not open to this user', () => {
    const state = classifyDocker(result(1, '28.2.2', denied), result(1, '', denied));
    expect(state).toMatchObject({ kind: 'no-daemon', why: 'permission denied' });
    expect(dockerProblem(state)).toMatch(/may not use the Docker daemon.*docker group/);
    expect(dockerDaemonDetail(state)).toMatch(/permission denied/);
  });

  it('another failure is quoted', () => {
    const state = classifyDocker(result(1, '28.2.2'), result(1, '', 'error during connect: context deadline exceeded'));
    expect(dockerProblem(state)).toContain('context deadline exceeded');
  });

  it('a daemon that answers', () => {
    const state = classifyDocker(result(0, '28.2.2'), result(0, '28.2.2 2 systemd'));
    expect(state).toEqual({ kind: 'ready', client: '28.2.2', server: '28.2.2 2 systemd' });
    expect(dockerProblem(state)).toBeUndefined();
  });

  it('probeDocker asks the client version and docker info through the exec seam', async () => {
    const calls: string[] = [];
    const exec = (async (command: string, args: readonly string[]) => {
      calls.push([command, ...args].join(' '));
      return args[0] === 'version' ? result(1, '27.0.1', down) : result(1, '', down);
    }) as unknown as Exec;
    expect(await probeDocker(exec)).toEqual({ kind: 'no-daemon', client: '27.0.1', why: 'not running' });
    expect(calls).toEqual(['docker version --format {{.Client.Version}}', 'docker info --format {{.ServerVersion}}']);
  });
});
