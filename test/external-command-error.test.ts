import { describe, expect, it } from 'vitest';
import { ExitCode, ExternalCommandError } from '../src/errors.js';

describe('a failed external command', () => {
  it("names Docker's own reason, not the CLI's summary after it", () => {
    const error = new ExternalCommandError(
      'docker start c1',
      1,
      'Error response from daemon: cannot start: no space left on device\nError: failed to start containers: c1\n',
    );
    expect(error.message).toBe(
      'command failed (exit 1): docker start c1 — Error response from daemon: cannot start: no space left on device',
    );
    expect(error.exitCode).toBe(ExitCode.externalCommandFailed);
  });

  it('otherwise the last line of its stderr', () => {
    expect(new ExternalCommandError('k3d cluster create', 1, 'INFO a\nFATA creation failed\n').message).toBe(
      'command failed (exit 1): k3d cluster create — FATA creation failed',
    );
    expect(new ExternalCommandError('kubectl apply', undefined, '').message).toBe('command failed (exit signal): kubectl apply');
  });
});
