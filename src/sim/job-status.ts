/** What the Job controller keeps of a Job (its `.status`, as far as the model needs it). */
export interface JobStatus {
  /** status.startTime: when the controller first synced the Job. */
  startedAt: number | null;
  /** Why it failed (the FailureTarget condition's reason), or null. */
  failedReason: string | null;
  /** No new pod before this (the pod failure back-off). */
  backoffUntil: number;
  failuresSinceSuccess: number;
  /** The terminal condition, set once every pod has ended (Kubernetes 1.31+). */
  terminal: 'Complete' | 'Failed' | null;
  /** Deleted through the API (a CronJob's Replace or history limit): its controller does nothing more. */
  deletedAt: number | null;
}
