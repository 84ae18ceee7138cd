/**
 * The standard normal distribution function Phi(z) = P(Z <= z), for mapping a normalized reward to (0, 1)
 * (OpenRLHF's `scores`, docs/server.md). JavaScript has no erf, so Phi comes from the complementary error function
 * by W. J. Cody's rational approximations (Math. Comp. 1969), accurate to about 1e-15 relative over the real line.
 */

const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const C = [0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8];
const D = [15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942];
const P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const Q = [2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
const SQRT_PI_INVERSE = 0.5641895835477562869;

/** erfc(x) for x >= 0. */
function erfcPositive(x: number): number {
  if (x < 0.5) {
    const y = x * x;
    let numerator = A[4] * y;
    let denominator = y;
    for (let i = 0; i < 3; i++) {
      numerator = (numerator + A[i]) * y;
      denominator = (denominator + B[i]) * y;
    }
    return 1 - (x * (numerator + A[3])) / (denominator + B[3]);
  }
  if (x <= 4) {
    let numerator = C[8] * x;
    let denominator = x;
    for (let i = 0; i < 7; i++) {
      numerator = (numerator + C[i]) * x;
      denominator = (denominator + D[i]) * x;
    }
    return Math.exp(-x * x) * ((numerator + C[7]) / (denominator + D[7]));
  }
  if (x > 26.6) return 0;
  const y = 1 / (x * x);
  let numerator = P[5] * y;
  let denominator = y;
  for (let i = 0; i < 4; i++) {
    numerator = (numerator + P[i]) * y;
    denominator = (denominator + Q[i]) * y;
  }
  const tail = (y * (numerator + P[4])) / (denominator + Q[4]);
  return (Math.exp(-x * x) / x) * (SQRT_PI_INVERSE - tail);
}

/** Phi(z); NaN for NaN. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const x = Math.abs(z) / Math.SQRT2;
  const upper = 0.5 * erfcPositive(x);
  return z >= 0 ? 1 - upper : upper;
}
