/**
 * Stage 2: face detection with MediaPipe BlazeFace, as MediaPipe's face_detection graph does it,
 * one calculator per module: letterbox or tile the image into the model's square input (view,
 * tiles), generate the SSD anchors (anchors), decode the regressors against them
 * (decode-detections), merge overlapping boxes (iou, weighted-nms), run the session
 * (blazeface); which passes an image gets (plan) and their merge (find-faces); the detect
 * policy (locate).
 */
export * from './types.js';
export * from './anchors.js';
export * from './decode-detections.js';
export * from './iou.js';
export * from './weighted-nms.js';
export * from './view.js';
export * from './tiles.js';
export * from './blazeface.js';
export * from './plan.js';
export * from './find-faces.js';
export * from './locate.js';
