// Placeholder: the codec is being written (see codec.hpp for the contract).
#include "shared/protocol/codec.hpp"
