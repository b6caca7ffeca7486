//! The env's outputs in exportable Vulkan memory (feature `external-memory`), for CUDA to
//! read where they are: the Python package's `device="cuda"`.

use super::{BatchEnv, OutputSections};
use crate::gpu::external::{ExportableBuffer, ExportedMemory};
use crate::Error;

/// An export of an env's outputs: one memory object laid out as a read-back slot, byte
/// ranges from its start. Every later submission (step, reset, render, and resident steps)
/// also writes its outputs there; an importer may read them once the host has waited for
/// that submission (`step_wait`) and until the next one is queued. With several steps in
/// flight the memory holds the newest one submitted, so a reader should keep one in flight.
#[derive(Debug)]
pub struct ExportedOutputs {
    /// The memory and how to import it.
    pub memory: ExportedMemory,
    /// Where each output sits in it.
    pub sections: OutputSections,
}

impl BatchEnv {
    /// Starts (or, called again, re-exports) a device copy of the outputs in exportable
    /// memory, filled at once with the current outputs. The adapter must be Vulkan with
    /// `VK_KHR_external_memory_fd`; elsewhere this is an [`Error::InvalidArgument`].
    pub fn export_outputs(&mut self) -> Result<ExportedOutputs, Error> {
        if self.exported.is_none() {
            self.drain()?;
            let bytes = self.readback.bytes();
            let buffer = ExportableBuffer::new(&self.gpu, "env.exported_outputs", bytes)?;
            let mut enc = self.gpu.encoder("env.export");
            self.copy_out(&mut enc, buffer.raw());
            self.gpu.submit(enc);
            self.gpu.wait_idle()?;
            self.exported = Some(buffer);
        }
        let memory = self.exported.as_ref().expect("exported above").export()?;
        Ok(ExportedOutputs {
            memory,
            sections: self.sections.clone(),
        })
    }
}
