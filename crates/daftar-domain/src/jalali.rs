//! Solar Hijri (Jalali) dates on ICU4X. (Being written.)
