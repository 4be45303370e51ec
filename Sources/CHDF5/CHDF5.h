// The HDF5 C library (Debian's libhdf5-dev, 1.10) for Swift, plus accessors for the
// identifiers Swift cannot import: the predefined types and flags are macros that expand to
// comma expressions over library globals (`(H5OPEN H5T_NATIVE_FLOAT_g)`), and the `hid_t`
// constants are untyped integer macros.
#ifndef CHDF5_H
#define CHDF5_H

#include <hdf5.h>
#include <fcntl.h>

// Property lists, selections, error stacks.
static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline hid_t chdf5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t chdf5_p_file_access(void) { return H5P_FILE_ACCESS; }

// File access flags.
static inline unsigned chdf5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_f_acc_excl(void) { return H5F_ACC_EXCL; }
// Every kind of object, for H5Fget_obj_count (also as the "all files" identifier).
static inline unsigned chdf5_f_obj_all(void) { return H5F_OBJ_ALL; }

// Memory (native) types.
static inline hid_t chdf5_t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t chdf5_t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t chdf5_t_native_double(void) { return H5T_NATIVE_DOUBLE; }

// File (standard) types.
static inline hid_t chdf5_t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t chdf5_t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t chdf5_t_std_u16le(void) { return H5T_STD_U16LE; }
static inline hid_t chdf5_t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t chdf5_t_std_u64le(void) { return H5T_STD_U64LE; }
static inline hid_t chdf5_t_c_s1(void) { return H5T_C_S1; }
static inline size_t chdf5_t_variable(void) { return H5T_VARIABLE; }

// Turns off HDF5's advisory file locking (a `flock` held on every open file: exclusive while
// writing, shared while reading) in the file access property list `fapl`. Available from
// 1.10.7 and 1.12.1; older libraries always lock (unless HDF5_USE_FILE_LOCKING=FALSE is set),
// and this does nothing. HDF5_USE_FILE_LOCKING, when set, overrides this property.
static inline herr_t chdf5_disable_file_locking(hid_t fapl) {
#if H5_VERSION_GE(1, 12, 1) || (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7)
    return H5Pset_file_locking(fapl, 0, 1);
#else
    (void)fapl;
    return 0;
#endif
}

// Marks the descriptor of `file`, open through the sec2 (POSIX) driver, close-on-exec, so
// child processes started by any thread of this process do not inherit it. Negative on failure.
static inline herr_t chdf5_set_close_on_exec(hid_t file) {
    void *handle = NULL;
    if (H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == NULL) return -1;
    int descriptor = *(int *)handle;
    int flags = fcntl(descriptor, F_GETFD);
    if (flags < 0 || fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) < 0) return -1;
    return 0;
}

// Turns off HDF5's printing of its error stack on the calling thread (the stack is
// per thread in thread-safe builds), so callers see their own messages instead.
static inline void chdf5_silence_error_printing(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

#endif
