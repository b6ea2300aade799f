export const Inputs = {
  WorkingDirectory: 'working-directory',
  Python: 'python',
  Install: 'install',
  Requirements: 'requirements',
  PipArgs: 'pip-args',
  Command: 'command',
  Args: 'args',
  JunitFile: 'junit-file',
  Reports: 'reports',
  SourcePrefix: 'source-prefix',
  Shard: 'shard',
  DurationsReport: 'durations-report',
  AllowEmpty: 'allow-empty',
  FailOnFailure: 'fail-on-failure',
  FailOnFlaky: 'fail-on-flaky',
  MaxAnnotations: 'max-annotations',
  Summary: 'summary',
  Baseline: 'baseline',
  History: 'history',
  FailOn: 'fail-on',
  Comment: 'comment',
  Token: 'token'
} as const

export const Outputs = {
  Total: 'total',
  Passed: 'passed',
  Failed: 'failed',
  Skipped: 'skipped',
  Errors: 'errors',
  Flaky: 'flaky',
  Duration: 'duration',
  JunitFile: 'junit-file',
  Results: 'results',
  NewFailures: 'new-failures',
  StillFailing: 'still-failing',
  Fixed: 'fixed',
  Flipped: 'flipped',
  Comparison: 'comparison',
  BaselineFile: 'baseline-file'
} as const

export const Defaults = {
  [Inputs.WorkingDirectory]: '.',
  [Inputs.Python]: 'python3',
  [Inputs.Install]: 'true',
  [Inputs.Requirements]: 'requirements.txt\nrequirements-test.txt',
  [Inputs.AllowEmpty]: 'false',
  [Inputs.FailOnFailure]: 'true',
  [Inputs.FailOnFlaky]: 'false',
  [Inputs.MaxAnnotations]: '10',
  [Inputs.Summary]: 'true',
  [Inputs.Baseline]: 'none',
  [Inputs.History]: '10',
  [Inputs.FailOn]: 'failures'
} as const

export const FAIL_ON = ['failures', 'regressions'] as const

/** GitHub shows at most this many error (and as many warning and notice) annotations of one step. */
export const ANNOTATIONS_PER_STEP = 10

export const State = {
  PrivateDir: 'privateDir',
  /** baseline: cache — the folder the record is restored into and saved from (stable across runs). */
  BaselineDir: 'baselineDir'
} as const
