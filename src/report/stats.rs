//! Report stage: the statistics of the balance checks.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Pearson's chi-square of observed against expected counts, and its p-value
/// (`groups - 1` degrees of freedom). `None` with fewer than two groups or no entities.
pub fn chi_square(observed: &[u64], expected: &[f64]) -> Option<(f64, f64)> {
    if observed.len() < 2 || expected.iter().any(|e| *e <= 0.0) {
        return None;
    }
    let statistic: f64 = observed
        .iter()
        .zip(expected)
        .map(|(o, e)| (*o as f64 - e).powi(2) / e)
        .sum();
    let distribution = ChiSquared::new((observed.len() - 1) as f64).ok()?;
    Some((statistic, distribution.sf(statistic)))
}

/// Mean and sample variance of some values (`None` when empty).
pub fn mean_variance(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = if values.len() > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    Some((mean, variance))
}

/// The standardised mean difference of treated against holdout:
/// `(mean_t - mean_h) / sqrt((var_t + var_h) / 2)`; 0 when both are constant and equal.
pub fn smd(treated: (f64, f64), holdout: (f64, f64)) -> Option<f64> {
    let pooled = ((treated.1 + holdout.1) / 2.0).sqrt();
    let difference = treated.0 - holdout.0;
    if pooled > 0.0 {
        Some(difference / pooled)
    } else if difference == 0.0 {
        Some(0.0)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_split_is_not_a_mismatch() {
        let (statistic, p) = chi_square(&[100, 900], &[100.0, 900.0]).unwrap_or_default();
        assert_eq!(statistic, 0.0);
        assert!((p - 1.0).abs() < 1e-12);
    }

    #[test]
    fn skewed_split_has_a_tiny_p_value() {
        // 10% holdout expected, 20% observed on 10,000 entities.
        let (_, p) = chi_square(&[2000, 8000], &[1000.0, 9000.0]).unwrap_or_default();
        assert!(p < 1e-100, "p = {p}");
    }

    #[test]
    fn smd_of_shifted_groups() {
        let t = mean_variance(&[2.0, 4.0, 6.0]).unwrap_or_default();
        let h = mean_variance(&[1.0, 3.0, 5.0]).unwrap_or_default();
        assert_eq!(smd(t, h), Some(0.5));
    }
}
