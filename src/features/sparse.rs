//! Sparse vectors: sorted feature indices with their values. Dense only at the linfa boundary.

/// A sparse vector with strictly increasing indices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f64>,
}

impl SparseVector {
    pub fn clear(&mut self) {
        self.indices.clear();
        self.values.clear();
    }
    pub fn len(&self) -> usize {
        self.indices.len()
    }
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.indices.iter().copied().zip(self.values.iter().copied())
    }
    /// The value at `index`, zero when absent.
    pub fn get(&self, index: u32) -> f64 {
        match self.indices.binary_search(&index) {
            Ok(i) => self.values[i],
            Err(_) => 0.0,
        }
    }
}

/// Writes sparse rows into a dense column-major (Fortran-order) matrix, the layout
/// linfa-logistic's gradient reads fastest (it walks `x.t()`).
pub fn to_dense_column_major(rows: &[SparseVector], n_features: usize) -> ndarray::Array2<f64> {
    use ndarray::ShapeBuilder;
    let mut x = ndarray::Array2::<f64>::zeros((rows.len(), n_features).f());
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter() {
            x[[r, c as usize]] = v;
        }
    }
    x
}
