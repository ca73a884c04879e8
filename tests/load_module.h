/*
 * The module as a C application loads it: dlopen() then C_GetFunctionList. Shared by the C
 * programs of the tests (tests/pin_bounds.c and the ones the Rust tests write).
 */
#ifndef LOAD_MODULE_H
#define LOAD_MODULE_H

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

/* The function list of the module at `path`, or NULL when it does not load. */
static CK_FUNCTION_LIST *load_module(const char *path) {
  void *module = dlopen(path, RTLD_NOW);
  if (!module) return NULL;
  CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
  CK_FUNCTION_LIST *p11;
  if (!get || get(&p11) != CKR_OK) return NULL;
  return p11;
}

#endif
