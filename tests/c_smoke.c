/*
 * C smoke test: loads the module with dlopen() as a C application would and walks the
 * entry points. Usage: c_smoke /path/to/libcie_cns_pkcs11.so. Exit status 0 on success.
 * Works with no readers and no PC/SC service (an empty slot list is CKR_OK).
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>
#include "cie_cns_pkcs11.h"

static int failures = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      failures++;                                          \
    }                                                      \
  } while (0)

#define CHECK_RV(call, expected)                                                   \
  do {                                                                             \
    CK_RV rv_ = (call);                                                            \
    CHECK(rv_ == (CK_RV)(expected), "%s = 0x%lx, expected 0x%lx", #call,           \
          (unsigned long)rv_, (unsigned long)(expected));                           \
  } while (0)

static CK_FUNCTION_LIST *racing_p11;
static pthread_barrier_t race_start;

/* One of several threads calling C_Initialize at the same moment. */
static void *race_initialize(void *result) {
  pthread_barrier_wait(&race_start);
  *(CK_RV *)result = racing_p11->C_Initialize(NULL);
  return NULL;
}

/* Concurrent C_Initialize: exactly one CKR_OK, the rest CKR_CRYPTOKI_ALREADY_INITIALIZED. */
static void initialize_race(CK_FUNCTION_LIST *p11) {
  enum { THREADS = 8 };
  pthread_t threads[THREADS];
  CK_RV results[THREADS];
  racing_p11 = p11;
  pthread_barrier_init(&race_start, NULL, THREADS);
  for (int i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, race_initialize, &results[i]);
  int ok = 0, already = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    ok += results[i] == CKR_OK;
    already += results[i] == CKR_CRYPTOKI_ALREADY_INITIALIZED;
  }
  pthread_barrier_destroy(&race_start);
  CHECK(ok == 1 && already == THREADS - 1, "initialize race: %d OK, %d already", ok, already);
  CHECK_RV(p11->C_Finalize(NULL), CKR_OK);
}

/* fork() after C_Initialize: the child does not inherit an initialized module (it must
 * never use the parent's PC/SC context) and can initialize its own. */
static void fork_child(CK_FUNCTION_LIST *p11) {
  pid_t child = fork();
  if (child == 0) {
    int bad = 0;
    CK_INFO info;
    CK_ULONG n = 0;
    if (p11->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED) bad |= 1;
    if (p11->C_Initialize(NULL) != CKR_OK) bad |= 2;
    if (p11->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_OK) bad |= 4;
    if (p11->C_Finalize(NULL) != CKR_OK) bad |= 8;
    _exit(bad);
  }
  int status = 0;
  CHECK(child > 0 && waitpid(child, &status, 0) == child, "fork/wait");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "forked child failed: 0x%x", status);
  CK_INFO info;
  CHECK_RV(p11->C_GetInfo(&info), CKR_OK); /* the parent is unaffected */
}

static CK_RV dummy_mutex(void *m) { (void)m; return CKR_OK; }
static CK_RV dummy_create(void **m) { *m = NULL; return CKR_OK; }

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODULE.so\n", argv[0]);
    return 2;
  }
  void *module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!module) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  CIE_CNS_C_GetInterfaceList get_interface_list =
      (CIE_CNS_C_GetInterfaceList)dlsym(module, "C_GetInterfaceList");
  CIE_CNS_C_GetInterface get_interface = (CIE_CNS_C_GetInterface)dlsym(module, "C_GetInterface");
  CIE_CNS_C_GetFunctionList get_function_list =
      (CIE_CNS_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
  CHECK(get_interface_list && get_interface && get_function_list, "entry points exported");
  CHECK(dlsym(module, "C_Sign") && dlsym(module, "C_MessageVerifyFinal"), "C_* exported by name");
  if (failures) return 1;

  /* C_GetInterfaceList: length query, too small, then the list. */
  CK_ULONG count = 0;
  CHECK_RV(get_interface_list(NULL, &count), CKR_OK);
  CHECK(count == 2, "two interfaces, got %lu", (unsigned long)count);
  CK_INTERFACE interfaces[4];
  CK_ULONG small = 1;
  CHECK_RV(get_interface_list(interfaces, &small), CKR_BUFFER_TOO_SMALL);
  CHECK(small == 2, "needed length returned");
  count = 4;
  CHECK_RV(get_interface_list(interfaces, &count), CKR_OK);
  for (CK_ULONG i = 0; i < count && i < 4; i++) {
    CK_VERSION *v = (CK_VERSION *)interfaces[i].pFunctionList;
    CHECK(strcmp((const char *)interfaces[i].pInterfaceName, CIE_CNS_PKCS11_INTERFACE_NAME) == 0,
          "interface name");
    printf("interface %lu: %s %u.%u flags 0x%lx\n", (unsigned long)i,
           (const char *)interfaces[i].pInterfaceName, v->major, v->minor,
           (unsigned long)interfaces[i].flags);
  }
  CHECK(((CK_VERSION *)interfaces[0].pFunctionList)->major == 3, "default interface is 3.0");

  /* C_GetInterface: default, by version, no match. */
  CK_INTERFACE *interface = NULL;
  CHECK_RV(get_interface(NULL, NULL, &interface, 0), CKR_OK);
  CHECK(interface && ((CK_VERSION *)interface->pFunctionList)->major == 3, "default is 3.0");
  CK_VERSION v240 = {2, 40};
  CHECK_RV(get_interface((CK_UTF8CHAR *)"PKCS 11", &v240, &interface, 0), CKR_OK);
  CHECK(interface && ((CK_VERSION *)interface->pFunctionList)->minor == 40, "2.40 by version");
  CHECK_RV(get_interface((CK_UTF8CHAR *)"Vendor", NULL, &interface, 0), CKR_ARGUMENTS_BAD);
  CHECK_RV(get_interface(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);

  /* C_GetFunctionList: the 2.40 list. */
  CK_FUNCTION_LIST *p11 = NULL;
  CHECK_RV(get_function_list(&p11), CKR_OK);
  if (!p11) return 1;
  CHECK(p11->version.major == 2 && p11->version.minor == 40, "function list 2.40");
  CHECK_RV(get_function_list(NULL), CKR_ARGUMENTS_BAD);

  /* Before C_Initialize. */
  CK_INFO info;
  CHECK_RV(p11->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
  CHECK_RV(p11->C_GetSlotList(CK_FALSE, NULL, &count), CKR_CRYPTOKI_NOT_INITIALIZED);
  CHECK_RV(p11->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);

  /* Locking: callbacks without CKF_OS_LOCKING_OK cannot be honoured. */
  CK_C_INITIALIZE_ARGS args;
  memset(&args, 0, sizeof args);
  args.CreateMutex = dummy_create;
  args.DestroyMutex = dummy_mutex;
  args.LockMutex = dummy_mutex;
  args.UnlockMutex = dummy_mutex;
  CHECK_RV(p11->C_Initialize(&args), CKR_CANT_LOCK);
  args.flags = CKF_OS_LOCKING_OK;
  CHECK_RV(p11->C_Initialize(&args), CKR_OK);
  CHECK_RV(p11->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);

  CHECK_RV(p11->C_GetInfo(&info), CKR_OK);
  CHECK(info.cryptokiVersion.major == 3 && info.cryptokiVersion.minor == 0, "cryptoki 3.0");
  CHECK(memcmp(info.manufacturerID, CIE_CNS_PKCS11_MANUFACTURER,
               strlen(CIE_CNS_PKCS11_MANUFACTURER)) == 0,
        "manufacturer");
  CHECK(info.manufacturerID[31] == ' ', "blank padded");
  printf("library: %.32s %u.%u\n", (const char *)info.libraryDescription,
         info.libraryVersion.major, info.libraryVersion.minor);

  /* Slots: CKR_OK even with no readers or no PC/SC service. */
  count = 0;
  CHECK_RV(p11->C_GetSlotList(CK_FALSE, NULL, &count), CKR_OK);
  printf("slots: %lu\n", (unsigned long)count);
  CK_SLOT_ID slots[64];
  CK_ULONG got = 64;
  CHECK_RV(p11->C_GetSlotList(CK_FALSE, slots, &got), CKR_OK);
  for (CK_ULONG i = 0; i < got && i < 64; i++) {
    CK_SLOT_INFO slot;
    CHECK_RV(p11->C_GetSlotInfo(slots[i], &slot), CKR_OK);
    printf("slot %lu: %.64s flags 0x%lx\n", (unsigned long)slots[i],
           (const char *)slot.slotDescription, (unsigned long)slot.flags);
  }
  CHECK_RV(p11->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
  CK_SLOT_ID event;
  CK_RV rv = p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &event, NULL);
  CHECK(rv == CKR_NO_EVENT || rv == CKR_OK, "C_WaitForSlotEvent(DONT_BLOCK) = 0x%lx", (unsigned long)rv);
  CHECK_RV(p11->C_GetSessionInfo(12345, NULL), CKR_ARGUMENTS_BAD);
  CK_SESSION_INFO session_info;
  CHECK_RV(p11->C_GetSessionInfo(12345, &session_info), CKR_SESSION_HANDLE_INVALID);
  CHECK_RV(p11->C_EncryptInit(1, NULL, 0), CKR_FUNCTION_NOT_SUPPORTED);

  fork_child(p11);

  CHECK_RV(p11->C_Finalize((void *)1), CKR_ARGUMENTS_BAD);
  CHECK_RV(p11->C_Finalize(NULL), CKR_OK);
  CHECK_RV(p11->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
  /* Initialize again after Finalize, by racing threads. */
  initialize_race(p11);

  dlclose(module);
  if (failures) {
    fprintf(stderr, "%d failure(s)\n", failures);
    return 1;
  }
  printf("c_smoke: OK\n");
  return 0;
}
