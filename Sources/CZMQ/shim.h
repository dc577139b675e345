// libzmq's C API (the Jupyter transport).
#include <zmq.h>
