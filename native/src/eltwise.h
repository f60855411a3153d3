/*
 * Element-wise arithmetic, activations, reductions, softmax, the negative log-likelihood and the optimizer updates
 * (src/backend/contract.ts, EltwiseOps). The op codes are the indices src/backend/eltwise-codes.ts gives the names.
 */
#ifndef CONVLAB_ELTWISE_H
#define CONVLAB_ELTWISE_H
#include <stddef.h>
#include <stdint.h>

enum { CL_ADD, CL_SUB, CL_MUL, CL_DIV, CL_MAXIMUM, CL_MINIMUM, CL_BINARY_OPS };
enum { CL_RELU, CL_LEAKY_RELU, CL_SIGMOID, CL_TANH, CL_EXP, CL_LOG, CL_SQRT, CL_ABS, CL_NEG, CL_CLAMP, CL_UNARY_OPS };
enum { CL_SUM, CL_MAX, CL_MIN };

#define CL_MAX_DIMS 8

/* geom: ndim, shape[ndim], aStrides[ndim], bStrides[ndim] (ndim ≤ CL_MAX_DIMS); y is contiguous. */
void cl_binary(int op, const int32_t* geom, const float* a, const float* b, float* y);
void cl_unary(int op, size_t n, const float* x, float* y, float alpha, float beta);
void cl_unary_backward(int op, size_t n, const float* g, const float* x, const float* y, float* gx, float alpha,
                       float beta);
void cl_reduce(int op, int outer, int n, int inner, const float* x, float* y, int32_t* index);
void cl_softmax(int log, int outer, int n, int inner, const float* x, float* y);
void cl_softmax_backward(int log, int outer, int n, int inner, const float* g, const float* y, float* gx);
void cl_nll(int n, int c, int inner, const float* logp, const float* target, float* y);
void cl_nll_backward(int n, int c, int inner, const float* g, const float* target, float* gx);
void cl_sgd(size_t n, float* w, const float* g, float* buf, double lr, double momentum, double dampening,
            double weightDecay, int nesterov, int first);
void cl_adam(size_t n, float* w, const float* g, float* m, float* v, double lr, double beta1, double beta2, double eps,
             double weightDecay, double bias1, double bias2);
#endif
