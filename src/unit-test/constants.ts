export const Inputs = {
  WorkingDirectory: 'working-directory',
  Python: 'python',
  Install: 'install',
  Requirements: 'requirements',
  PipArgs: 'pip-args',
  Command: 'command',
  Args: 'args',
  JunitFile: 'junit-file',
  AllowEmpty: 'allow-empty',
  MaxAnnotations: 'max-annotations'
} as const

export const Outputs = {
  Total: 'total',
  Passed: 'passed',
  Failed: 'failed',
  Skipped: 'skipped',
  Errors: 'errors',
  Duration: 'duration',
  JunitFile: 'junit-file'
} as const

export const Defaults = {
  [Inputs.WorkingDirectory]: '.',
  [Inputs.Python]: 'python3',
  [Inputs.Install]: 'true',
  [Inputs.Requirements]: 'requirements.txt\nrequirements-test.txt',
  [Inputs.AllowEmpty]: 'false',
  [Inputs.MaxAnnotations]: '50'
} as const
