// `using` compiles to helpers that look up Symbol.dispose at run time. Node >= 20.4 defines it;
// this keeps older embedders (and odd runtimes) working. Must be imported before classes use it.
const S = Symbol as unknown as { dispose?: symbol; asyncDispose?: symbol };
if (typeof S.dispose !== 'symbol') Object.defineProperty(Symbol, 'dispose', { value: Symbol.for('nodejs.dispose') });
if (typeof S.asyncDispose !== 'symbol') Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol.for('nodejs.asyncDispose') });
export {};
