/** The shapes that the detection calculators pass to each other and to the rest of the pipeline. */

export interface Point {
  x: number;
  y: number;
}

/** The six BlazeFace keypoints, named from the subject's point of view. */
export interface Landmarks {
  rightEye: Point;
  leftEye: Point;
  noseTip: Point;
  mouth: Point;
  rightEar: Point;
  leftEar: Point;
}
export const LANDMARK_NAMES = ['rightEye', 'leftEye', 'noseTip', 'mouth', 'rightEar', 'leftEar'] as const;

/** A box in image pixels: top-left corner and size. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A face the detector found, in image pixels. */
export interface DetectedFace {
  box: Box;
  score: number;
  landmarks: Landmarks;
}

/** A face to crop: a detection, or the whole image (score null, no landmarks). */
export interface FaceRegion {
  box: Box;
  /** Detector score; null when the region is the whole image rather than a detection. */
  score: number | null;
  landmarks?: Landmarks;
}

/** Box corners and keypoints [x0, y0, x1, y1, ...] in one coordinate frame, with a score. */
export interface RawDetection {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  keypoints: number[];
  score: number;
}

/** Keypoints per BlazeFace detection. */
export const KEYPOINTS = LANDMARK_NAMES.length;
