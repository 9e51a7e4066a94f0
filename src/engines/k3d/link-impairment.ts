/**
 * A link-degrade's delay and loss on a node container of twin's image. This kernel's tc has no netem,
 * so twin-netq (node-image/netq) does it from user space: an NFQUEUE rule in the node's own network
 * namespace hands it every packet leaving eth0, and it holds each for the delay or drops it with the
 * loss's probability. The node image's `twin-link` applies /etc/twin/link (start twin-netq or signal
 * it, add or remove the rule); its entrypoint runs it at every power-on, since a restarted container
 * has a new network namespace without the rule.
 *
 * A board that is off keeps its link: a fault on it writes /etc/twin/link into the stopped container
 * (stopped-node.ts) and the node has the delay and loss from its next power-on. All of it lives in the
 * container (its file system, processes and network namespace), so removing the container removes it.
 */
import type { Exec } from './exec.js';
import { changeOnOrOff } from './stopped-node.js';

/** What twin-link reads: the delay (s) and loss (0–1) on the packets the node sends. */
export const linkFile = '/etc/twin/link';

/** The file's content for a delay in seconds and a loss probability. */
export function linkFileContent(delay: number, loss: number): string {
  return `delay ${Number(delay.toFixed(6))}\nloss ${Number(loss.toFixed(6))}\n`;
}

/**
 * Sets a node's delay and loss (0 and 0: none). Returns why it failed, or undefined; the node's link is
 * then unchanged.
 */
export async function setLinkImpairment(
  exec: Exec,
  container: string,
  delay: number,
  loss: number,
  what: string,
): Promise<string | undefined> {
  const content = linkFileContent(delay, loss);
  const failed = await changeOnOrOff(exec, container, {
    running: `printf '${content.replace(/\n/g, '\\n')}' > ${linkFile}.tmp && mv ${linkFile}.tmp ${linkFile} && twin-link`,
    path: linkFile,
    content: async () => content,
    silentFailure: 'twin-link failed without a word (see /var/log/twin-netq.log in the node)',
  });
  if (failed === undefined) return undefined;
  return `${what} failed${failed.whileOff ? ' on the powered-off node' : ''}: ${failed.why}; the node's link is unchanged`;
}
