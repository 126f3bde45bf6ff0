export function bundleWeb(entry?: string, outfile?: string, minify?: boolean): Promise<{ outfile: string; bytes: number; gzipBytes: number }>;
