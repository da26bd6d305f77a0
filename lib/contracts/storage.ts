/**
 * The storage API's wire types (pools, volumes). Types only: safe to import from client components.
 */
export interface StoragePool {
  name: string;
  type: string;
  active: boolean;
  capacityBytes: number;
  allocationBytes: number;
  availableBytes: number;
  targetPath: string | null;
}

export interface StorageVolume {
  pool: string;
  name: string;
  path: string;
  format: string | null;
  capacityBytes: number;
  allocationBytes: number;
  backingPath: string | null;
  iso: boolean;
}

export const UPLOAD_FORMATS = ["iso", "raw", "qcow2"] as const;
export type UploadFormat = (typeof UPLOAD_FORMATS)[number];
