// Importing this module registers every custom AMFT layer for tfjs serialization.
export { SpatialAttention } from './spatial-attention.js';
export { ChannelAttention } from './channel-attention.js';
export { MultiHeadSelfAttention } from './multi-head-self-attention.js';
export { PositionalEmbedding } from './positional-embedding.js';
export { AdaptiveScaleFusion } from './scale-fusion.js';
export { NearestUpsample } from './nearest-upsample.js';
export { FoldTime, UnfoldTime, LastStep } from './time-fold.js';
export { TorchLstm } from './lstm.js';
// serialises as the stock 'Dropout' (not registered under it)
export { SeededDropout } from './seeded-dropout.js';
