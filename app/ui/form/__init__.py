"""The generation form: its model (values, seed policy, validation) and the widgets bound to it."""
