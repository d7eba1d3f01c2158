"""What must hold, and the engines that check it."""
