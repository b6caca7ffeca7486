//! The numpy views the results are made of: arrays over the env's read-back memory, with
//! the env as their base object.

use numpy::ndarray::{ArrayView, IxDyn, ShapeBuilder};
use numpy::{PyArrayDyn, PyArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::Env;

/// Views `data` as a read-only numpy array of `shape` (elements) and `strides` (elements),
/// whose base is `owner`.
///
/// # Safety
/// `data` must stay allocated, at the same address, while `owner` lives.
pub(crate) unsafe fn view<'py, T: numpy::Element>(
    owner: &Bound<'py, Env>,
    data: &[T],
    shape: &[usize],
    strides: Option<&[usize]>,
) -> PyResult<Py<PyAny>> {
    let dims = IxDyn(shape);
    let v: ArrayView<T, IxDyn> = match strides {
        None => ArrayView::from_shape(dims, data),
        Some(s) => ArrayView::from_shape(dims.strides(IxDyn(s)), data),
    }
    .map_err(|e| PyRuntimeError::new_err(format!("array view: {e}")))?;
    // SAFETY: the caller guarantees that `data` outlives `owner`, the array's base.
    let a = unsafe { PyArrayDyn::<T>::borrow_from_array(&v, owner.clone().into_any()) };
    a.readwrite().make_nonwriteable();
    Ok(a.into_any().unbind())
}

/// `rgb` (`uint8 [N, cameras, H, W, 3]`, the alpha byte skipped by the strides), `depth`
/// (`float32 [N, cameras, H, W]`) and `segmentation` (`uint32`, same shape).
///
/// # Safety
/// As [`view`].
pub(crate) unsafe fn image_arrays(
    owner: &Bound<'_, Env>,
    im: &manyworlds::render::Images<'_>,
    n: usize,
) -> PyResult<[Option<Py<PyAny>>; 3]> {
    let views = im.views();
    let Some(first) = views.first() else {
        return Ok([None, None, None]);
    };
    let (w, h) = (first.width as usize, first.height as usize);
    let cams = views.len() / n.max(1);
    let uniform = views.len() == n * cams
        && views
            .iter()
            .enumerate()
            .all(|(i, v)| v.width as usize == w && v.height as usize == h && v.offset == i * w * h);
    if !uniform {
        return Err(PyValueError::new_err(
            "render: every world must be rendered and every camera must have the same size \
             to form [N, cameras, H, W] arrays",
        ));
    }
    let px = [n, cams, h, w];
    // SAFETY: forwarded to the caller.
    unsafe {
        Ok([
            im.rgb_all()
                .map(|b| {
                    view(
                        owner,
                        b,
                        &[n, cams, h, w, 3],
                        Some(&[cams * h * w * 4, h * w * 4, w * 4, 4, 1]),
                    )
                })
                .transpose()?,
            im.depth_all()
                .map(|b| view(owner, b, &px, None))
                .transpose()?,
            im.seg_all()
                .map(|b| view(owner, b, &px, None))
                .transpose()?,
        ])
    }
}
