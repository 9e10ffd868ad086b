// LAPACK through Debian's <lapack.h> (LAPACK 3.11, package liblapacke-dev). The header declares the
// Fortran symbols (dsyevd_, dgesdd_, dpotrf_, dpotrs_, ...) with one hidden trailing `size_t` length
// per `char*` argument; its LAPACK_xxx convenience macros are variadic and not importable by Swift,
// so Swift calls the underscore symbols directly.
#include <stddef.h>
#include <lapack.h>

// Fortran BLAS level 3 (reference BLAS / OpenBLAS export the same symbols). Not declared by lapack.h;
// the trailing size_t arguments are the hidden lengths of the char* arguments.
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc, size_t transa_len, size_t transb_len);
void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
            const double *a, const int *lda, const double *beta, double *c, const int *ldc,
            size_t uplo_len, size_t trans_len);
