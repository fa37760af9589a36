# leakage-corpus: expect=none
import pandas as pd
from sklearn.tree import DecisionTreeClassifier
from sklearn.metrics import accuracy_score

train = pd.read_csv("data/splits/train.csv")
valid = pd.read_csv("data/splits/valid.csv")
test = pd.read_csv("data/splits/test.csv")
features = [c for c in train.columns if c != "label"]

best_depth, best_acc = None, 0.0
for depth in range(2, 16):
    tree = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(train[features], train["label"])
    acc = accuracy_score(valid["label"], tree.predict(valid[features]))
    if acc > best_acc:
        best_depth, best_acc = depth, acc

final = DecisionTreeClassifier(max_depth=best_depth, random_state=0).fit(train[features], train["label"])
print("test accuracy", accuracy_score(test["label"], final.predict(test[features])))
