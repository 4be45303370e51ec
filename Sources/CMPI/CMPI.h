#ifndef EPROP_CMPI_H
#define EPROP_CMPI_H

/*
 * Open MPI for Swift. The include path comes from pkg-config `ompi-c` (Debian installs
 * mpi.h outside /usr/include). Open MPI defines its handles as cast macros over global
 * objects, e.g. `#define MPI_COMM_WORLD OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)`,
 * which the Clang importer drops; these accessors return the same handles as functions.
 */
#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }

static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_uint64(void) { return MPI_UINT64_T; }

static inline MPI_Op cmpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op cmpi_op_max(void) { return MPI_MAX; }

/* The send-buffer sentinel meaning "the receive buffer is also the input". */
static inline const void *cmpi_in_place(void) { return MPI_IN_PLACE; }

/* Makes failing calls return an error code instead of aborting inside the library,
   so the caller can name the failed operation before ending the job. */
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }

#endif
