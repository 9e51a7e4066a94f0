/** Event priorities within one instant: faults first, then machines, then the API's reactions. */
export const Priority = {
  fault: 0,
  truth: 10,
  kubelet: 20,
  controller: 30,
  scheduler: 40,
  flush: 90,
  sample: 100,
} as const;
