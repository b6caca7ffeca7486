//! `device="cuda"` (cargo feature `cuda`): the env's outputs, exported by the engine as
//! Vulkan external memory, imported into CUDA and handed out as DLPack tensors on the GPU
//! (`kDLCUDA`), so that `torch.from_dlpack` gets them without a trip through the host.
//!
//! The import follows the Vulkan/CUDA interop recipe: find the CUDA device whose UUID is
//! the Vulkan device's, import the memory's opaque file descriptor as a dedicated
//! allocation (`cuImportExternalMemory`) and map all of it as one buffer
//! (`cuExternalMemoryGetMappedBuffer`). The library `libcuda` is loaded at run time, so the
//! wheel builds and imports without a CUDA toolkit; without a driver `device="cuda"` is a
//! `ValueError`. Synchronisation is the host's: each step waits for the GPU before it
//! returns, so the tensors hold that step's results until the next step is queued.

use pyo3::prelude::*;

/// What the import keeps: the CUDA mapping of the exported outputs.
#[cfg(feature = "cuda")]
pub struct Imported {
    ext: cudarc::driver::sys::CUexternalMemory,
    ptr: cudarc::driver::sys::CUdeviceptr,
    ctx: cudarc::driver::sys::CUcontext,
    device: cudarc::driver::sys::CUdevice,
    /// The CUDA device ordinal (DLPack's `device_id`).
    ordinal: i32,
    /// Byte ranges of the outputs in the mapping.
    layout: manyworlds::env::OutputSections,
}

// SAFETY: CUDA handles are process-wide values, usable from any thread.
#[cfg(feature = "cuda")]
unsafe impl Send for Imported {}
// SAFETY: as above; `Imported` is never mutated through a shared reference.
#[cfg(feature = "cuda")]
unsafe impl Sync for Imported {}

#[cfg(feature = "cuda")]
impl Drop for Imported {
    fn drop(&mut self) {
        use cudarc::driver::sys;
        // SAFETY: the mapping and the import were made by `import` and are freed once, the
        // mapping first; the Vulkan memory outlives them (the env drops after this).
        unsafe {
            // The calls need the context that owns the mapping current on this thread.
            sys::cuCtxPushCurrent_v2(self.ctx);
            sys::cuMemFree_v2(self.ptr);
            sys::cuDestroyExternalMemory(self.ext);
            let mut popped = std::ptr::null_mut();
            sys::cuCtxPopCurrent_v2(&mut popped);
            sys::cuDevicePrimaryCtxRelease_v2(self.device);
        }
    }
}

/// Without the `cuda` feature nothing is ever imported.
#[cfg(not(feature = "cuda"))]
pub enum Imported {}

/// Whether this build has the `cuda` feature.
pub const BUILT: bool = cfg!(feature = "cuda");

/// Exports the env's outputs and imports them into CUDA.
#[cfg(feature = "cuda")]
pub fn import(env: &mut dyn manyworlds::env::VecEnv) -> Result<Imported, String> {
    use cudarc::driver::sys::{self, CUresult};
    use std::os::fd::IntoRawFd;
    let check = |what: &str, r: CUresult| -> Result<(), String> {
        if r == CUresult::CUDA_SUCCESS {
            Ok(())
        } else {
            Err(format!("device=\"cuda\": {what} failed: {r:?}"))
        }
    };
    // SAFETY: only queries whether the library can be loaded.
    if !unsafe { sys::is_culib_present() } {
        return Err("device=\"cuda\": the CUDA driver library (libcuda) was not found".into());
    }
    let manyworlds::env::ExportedOutputs {
        memory,
        sections: layout,
    } = env.export_outputs().map_err(|e| e.to_string())?;
    let mem = &memory;
    // SAFETY: plain driver-API calls on handles this function creates; the descriptor is
    // handed to CUDA, which owns it after a successful import and is closed otherwise.
    unsafe {
        check("cuInit", sys::cuInit(0))?;
        let mut count = 0;
        check("cuDeviceGetCount", sys::cuDeviceGetCount(&mut count))?;
        let mut found = None;
        for ordinal in 0..count {
            let mut dev = 0;
            check("cuDeviceGet", sys::cuDeviceGet(&mut dev, ordinal))?;
            let mut uuid = std::mem::zeroed::<sys::CUuuid>();
            check("cuDeviceGetUuid", sys::cuDeviceGetUuid(&mut uuid, dev))?;
            if uuid.bytes.map(|b| b as u8) == mem.device_uuid {
                found = Some((dev, ordinal));
            }
        }
        let Some((device, ordinal)) = found else {
            return Err(format!(
                "device=\"cuda\": none of the {count} CUDA devices is the engine's Vulkan \
                 adapter (UUID {:02x?})",
                mem.device_uuid
            ));
        };
        let mut ctx = std::ptr::null_mut();
        check(
            "cuDevicePrimaryCtxRetain",
            sys::cuDevicePrimaryCtxRetain(&mut ctx, device),
        )?;
        let fail = |e: String| {
            sys::cuDevicePrimaryCtxRelease_v2(device);
            e
        };
        check("cuCtxSetCurrent", sys::cuCtxSetCurrent(ctx)).map_err(fail)?;
        let mut desc = std::mem::zeroed::<sys::CUDA_EXTERNAL_MEMORY_HANDLE_DESC>();
        desc.type_ = sys::CUexternalMemoryHandleType::CU_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD;
        let (size, bytes, dedicated) = (mem.allocation_size, mem.bytes, mem.dedicated);
        let fd = memory.fd.into_raw_fd();
        desc.handle.fd = fd;
        desc.size = size;
        desc.flags = if dedicated {
            sys::CUDA_EXTERNAL_MEMORY_DEDICATED
        } else {
            0
        };
        let mut ext = std::ptr::null_mut();
        if let Err(e) = check(
            "cuImportExternalMemory",
            sys::cuImportExternalMemory(&mut ext, &desc),
        ) {
            // A failed import leaves the descriptor with us.
            drop(<std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd));
            return Err(fail(e));
        }
        let mut buf = std::mem::zeroed::<sys::CUDA_EXTERNAL_MEMORY_BUFFER_DESC>();
        buf.offset = 0;
        buf.size = bytes;
        let mut ptr = 0;
        if let Err(e) = check(
            "cuExternalMemoryGetMappedBuffer",
            sys::cuExternalMemoryGetMappedBuffer(&mut ptr, ext, &buf),
        ) {
            sys::cuDestroyExternalMemory(ext);
            return Err(fail(e));
        }
        Ok(Imported {
            ext,
            ptr,
            ctx,
            device,
            ordinal,
            layout,
        })
    }
}

/// Without the `cuda` feature: the error `device="cuda"` gets.
#[cfg(not(feature = "cuda"))]
pub fn import(_env: &mut dyn manyworlds::env::VecEnv) -> Result<Imported, String> {
    Err(
        "device=\"cuda\": this build of manyworlds has no CUDA support; reinstall it with \
         MATURIN_PEP517_ARGS=\"--features cuda\" pip install ./python (Linux, Vulkan on an \
         NVIDIA GPU)"
            .into(),
    )
}

/// DLPack's C structs (`dlpack.h`, the unversioned `dltensor` capsule that every consumer
/// accepts).
#[repr(C)]
struct DlDevice {
    device_type: i32,
    device_id: i32,
}
#[repr(C)]
struct DlDataType {
    code: u8,
    bits: u8,
    lanes: u16,
}
#[repr(C)]
struct DlTensor {
    data: *mut std::ffi::c_void,
    device: DlDevice,
    ndim: i32,
    dtype: DlDataType,
    shape: *mut i64,
    strides: *mut i64,
    byte_offset: u64,
}
#[repr(C)]
struct DlManagedTensor {
    dl_tensor: DlTensor,
    manager_ctx: *mut std::ffi::c_void,
    deleter: Option<unsafe extern "C" fn(*mut DlManagedTensor)>,
}

/// `kDLCUDA`.
const DL_CUDA: i32 = 2;
/// DLPack type codes: `kDLUInt`, `kDLFloat`.
#[cfg_attr(not(feature = "cuda"), allow(dead_code))]
const DL_UINT: u8 = 1;
#[cfg_attr(not(feature = "cuda"), allow(dead_code))]
const DL_FLOAT: u8 = 2;
const CAPSULE: &std::ffi::CStr = c"dltensor";

/// What a handed-out tensor keeps alive: its shape and strides, and the env (whose CUDA
/// mapping and Vulkan memory the tensor views).
struct Keep {
    shape: Vec<i64>,
    strides: Vec<i64>,
    _owner: Py<PyAny>,
}

/// DLPack's deleter: frees the tensor and releases the env.
unsafe extern "C" fn delete_tensor(t: *mut DlManagedTensor) {
    // SAFETY: `t` and its context were made by `Box::into_raw` in `__dlpack__`, and DLPack
    // calls the deleter once.
    unsafe {
        let t = Box::from_raw(t);
        drop(Box::from_raw(t.manager_ctx as *mut Keep));
    }
}

/// The capsule's destructor: deletes the tensor unless a consumer took it (and renamed
/// the capsule `used_dltensor`).
unsafe extern "C" fn drop_capsule(capsule: *mut pyo3::ffi::PyObject) {
    // SAFETY: `capsule` is the capsule being destroyed; its pointer is a `DlManagedTensor`.
    unsafe {
        if pyo3::ffi::PyCapsule_IsValid(capsule, CAPSULE.as_ptr()) == 1 {
            let t = pyo3::ffi::PyCapsule_GetPointer(capsule, CAPSULE.as_ptr());
            delete_tensor(t as *mut DlManagedTensor);
        }
    }
}

/// One output of the env in CUDA memory, handed out through DLPack: `torch.from_dlpack(a)`
/// (or JAX's and CuPy's) gives a tensor that views it without a copy. Its contents are
/// those of the last step, as with the host arrays.
#[pyclass(module = "manyworlds._native", frozen)]
pub struct CudaArray {
    owner: Py<PyAny>,
    data: u64,
    byte_offset: u64,
    ordinal: i32,
    dtype: (u8, u8),
    shape: Vec<i64>,
    strides: Vec<i64>,
}

#[pymethods]
impl CudaArray {
    /// DLPack export. The data is complete when a step returns (the host waited for the
    /// GPU), so `stream` needs no synchronisation and is accepted as it is.
    #[pyo3(signature = (*, stream=None, max_version=None, dl_device=None, copy=None))]
    fn __dlpack__(
        &self,
        py: Python<'_>,
        stream: Option<Bound<'_, PyAny>>,
        max_version: Option<Bound<'_, PyAny>>,
        dl_device: Option<(i32, i32)>,
        copy: Option<bool>,
    ) -> PyResult<Py<PyAny>> {
        let _ = (stream, max_version);
        if copy == Some(true) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "__dlpack__(copy=True): these arrays are views only; copy the tensor instead",
            ));
        }
        if let Some(d) = dl_device {
            if d != (DL_CUDA, self.ordinal) {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "__dlpack__(dl_device={d:?}): the data is on ({DL_CUDA}, {})",
                    self.ordinal
                )));
            }
        }
        let mut keep = Box::new(Keep {
            shape: self.shape.clone(),
            strides: self.strides.clone(),
            _owner: self.owner.clone_ref(py),
        });
        let tensor = Box::new(DlManagedTensor {
            dl_tensor: DlTensor {
                data: self.data as *mut std::ffi::c_void,
                device: DlDevice {
                    device_type: DL_CUDA,
                    device_id: self.ordinal,
                },
                ndim: keep.shape.len() as i32,
                dtype: DlDataType {
                    code: self.dtype.0,
                    bits: self.dtype.1,
                    lanes: 1,
                },
                shape: keep.shape.as_mut_ptr(),
                strides: keep.strides.as_mut_ptr(),
                byte_offset: self.byte_offset,
            },
            manager_ctx: Box::into_raw(keep) as *mut std::ffi::c_void,
            deleter: Some(delete_tensor),
        });
        let raw = Box::into_raw(tensor);
        // SAFETY: a capsule over a live `DlManagedTensor`; its destructor frees it unless a
        // consumer takes it. On failure the tensor is freed here.
        unsafe {
            let cap = pyo3::ffi::PyCapsule_New(
                raw as *mut std::ffi::c_void,
                CAPSULE.as_ptr(),
                Some(drop_capsule),
            );
            if cap.is_null() {
                delete_tensor(raw);
            }
            Ok(Bound::from_owned_ptr_or_err(py, cap)?.unbind())
        }
    }

    /// `(kDLCUDA, device ordinal)`.
    fn __dlpack_device__(&self) -> (i32, i32) {
        (DL_CUDA, self.ordinal)
    }

    /// The array's shape.
    #[getter]
    fn shape(&self) -> Vec<i64> {
        self.shape.clone()
    }
}

/// The env's outputs as [`CudaArray`]s, by name: `obs`, `rewards`, `flags`, and where
/// present `final_obs`, `rgb` (`uint8 [N, cameras, H, W, 3]`, alpha skipped by the
/// strides), `depth` and `segmentation`. `images`: `(cameras, H, W)` and which outputs the
/// renderer makes.
#[cfg(feature = "cuda")]
pub fn arrays<'py>(
    owner: &Bound<'py, PyAny>,
    imp: &Imported,
    n: usize,
    obs_dim: usize,
    images: Option<((usize, usize, usize), [bool; 3])>,
) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
    use pyo3::types::PyDictMethods;
    let py = owner.py();
    let dict = pyo3::types::PyDict::new(py);
    let contiguous = |shape: &[i64]| -> Vec<i64> {
        let mut s = vec![1i64; shape.len()];
        for i in (0..shape.len().saturating_sub(1)).rev() {
            s[i] = s[i + 1] * shape[i + 1];
        }
        s
    };
    let add =
        |name: &str, at: usize, dtype: (u8, u8), shape: Vec<i64>, strides: Option<Vec<i64>>| {
            let a = CudaArray {
                owner: owner.clone().unbind(),
                data: imp.ptr,
                byte_offset: at as u64,
                ordinal: imp.ordinal,
                dtype,
                strides: strides.unwrap_or_else(|| contiguous(&shape)),
                shape,
            };
            dict.set_item(name, Py::new(py, a)?)
        };
    let (n, d) = (n as i64, obs_dim as i64);
    let l = &imp.layout;
    add("obs", l.obs.start, (DL_FLOAT, 32), vec![n, d], None)?;
    add("rewards", l.rewards.start, (DL_FLOAT, 32), vec![n], None)?;
    add("flags", l.flags.start, (DL_UINT, 32), vec![n], None)?;
    if !l.final_obs.is_empty() {
        add(
            "final_obs",
            l.final_obs.start,
            (DL_FLOAT, 32),
            vec![n, d],
            None,
        )?;
    }
    if let Some(((cams, h, w), [rgb, depth, seg])) = images {
        let (c, h, w) = (cams as i64, h as i64, w as i64);
        let plane = 4 * (n * c * h * w) as usize;
        let mut at = l.images.start;
        if rgb {
            let strides = vec![c * h * w * 4, h * w * 4, w * 4, 4, 1];
            add("rgb", at, (DL_UINT, 8), vec![n, c, h, w, 3], Some(strides))?;
            at += plane;
        }
        if depth {
            add("depth", at, (DL_FLOAT, 32), vec![n, c, h, w], None)?;
            at += plane;
        }
        if seg {
            add("segmentation", at, (DL_UINT, 32), vec![n, c, h, w], None)?;
        }
    }
    Ok(dict)
}

/// Without the `cuda` feature there is never an [`Imported`] to describe.
#[cfg(not(feature = "cuda"))]
pub fn arrays<'py>(
    _owner: &Bound<'py, PyAny>,
    imp: &Imported,
    _n: usize,
    _obs_dim: usize,
    _images: Option<((usize, usize, usize), [bool; 3])>,
) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
    match *imp {}
}
