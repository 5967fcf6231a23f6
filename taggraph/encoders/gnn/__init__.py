"""The graph neural network: a heterogeneous encoder of the product graph and link scoring."""
