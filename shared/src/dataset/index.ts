// Dataset reading shared by `amft train`, `amft eval` and the service's /evaluate: one reader
// per format (manifest, FER2013 CSV, image folder) with the same bad-row reporting.
export * from './bad-rows.js';
export * from './csv-records.js';
export * from './detect-format.js';
export * from './read-manifest.js';
export * from './read-fer2013-csv.js';
export * from './read-image-folder.js';
