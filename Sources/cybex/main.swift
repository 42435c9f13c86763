print("cybex")
