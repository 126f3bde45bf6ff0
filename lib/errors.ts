// Error types users can test with instanceof; messages always name the file or object involved.

/** Bad user input: arguments, options, input files. The CLI prints only the message for these. */
export class AgcInputError extends Error {
  override name = 'AgcInputError';
}

/** A name that matches more than one contig (e.g. a contig queried without its sample). */
export class AgcAmbiguousNameError extends Error {
  override name = 'AgcAmbiguousNameError';
  constructor(
    message: string,
    /** The samples in which the name was found. */
    readonly samples: string[],
  ) {
    super(message);
  }
}
