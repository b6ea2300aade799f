/** A values file that cannot take the requested change (missing key, alias, not a mapping...). */
export class ValuesError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ValuesError'
  }
}
