/** Interleaved rounds: every peer runs a little in each round, the order rotating, so that outside load hits all alike. */

/**
 * Runs `work(peer)` for every peer, in `rounds` rounds with a rotating order; returns, per peer and
 * per round, what `work` gave (the ms of each call).
 */
export async function interleave<P>(peers: readonly P[], rounds: number, work: (p: P) => Promise<number[]>): Promise<number[][][]> {
  const out: number[][][] = peers.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < peers.length; k++) {
      const i = (k + r) % peers.length;
      out[i].push(await work(peers[i]));
    }
  }
  return out;
}
