export interface RangeServer {
  url: string;
  port: number;
  stats: { requests: number; bytes: number };
  close(): Promise<void>;
}
export function startRangeServer(options?: {
  files?: Record<string, string | Uint8Array>;
  dir?: string;
  port?: number;
  ignoreRange?: boolean;
  ignoreSuffix?: boolean;
  failFirst?: number;
}): Promise<RangeServer>;
