/** Short, seeded training runs on the bundled digits, shared by the tutorials and experiments. */
export {
  type DigitsDataOptions,
  type DigitsRun,
  digitsAccuracy,
  digitsData,
  meanStd,
  type TrainOnDigitsOptions,
  trainOnDigits,
} from './digits.js';
