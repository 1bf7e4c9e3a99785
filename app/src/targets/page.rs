//! The targets page: the breakdown grid and the progress of a cell.
